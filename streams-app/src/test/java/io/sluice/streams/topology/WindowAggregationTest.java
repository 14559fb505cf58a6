package io.sluice.streams.topology;

import static io.sluice.streams.topology.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.protocol.telemetry.Aggregate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class WindowAggregationTest {
    private static final String ALL = "count,sum,min,max,mean,stddev,first,last,p50,p90,p99";

    /** A direct computation of one window's statistics, to compare with. */
    private record Expected(long count, double sum, double min, double max, double mean, double stddev, double first,
            double last) {
        static Expected of(List<long[]> tsAndIndex, double[] values) {
            double[] v = tsAndIndex.stream().mapToDouble(t -> values[(int) t[1]]).toArray();
            double sum = Arrays.stream(v).sum();
            double mean = sum / v.length;
            double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
            long[] first = tsAndIndex.stream().min((a, b) -> Long.compare(a[0], b[0])).orElseThrow();
            // last: largest ts, later arrival wins ties
            long[] last = tsAndIndex.get(0);
            for (long[] t : tsAndIndex) {
                if (t[0] >= last[0]) {
                    last = t;
                }
            }
            return new Expected(v.length, sum, Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(),
                    mean, Math.sqrt(var), values[(int) first[1]], values[(int) last[1]]);
        }

        void check(Aggregate a) {
            assertThat(a.count()).isEqualTo(count);
            assertThat(a.sum()).isCloseTo(sum, within(1e-6 * Math.max(1, Math.abs(sum))));
            assertThat(a.min()).isEqualTo(min);
            assertThat(a.max()).isEqualTo(max);
            assertThat(a.mean()).isCloseTo(mean, within(1e-9 * Math.max(1, Math.abs(mean))));
            assertThat(a.stddev()).isCloseTo(stddev, within(1e-6 * Math.max(1, stddev)));
            assertThat(a.first()).isEqualTo(first);
            assertThat(a.last()).isEqualTo(last);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "open windows on heap: {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"20000", "3", "0"})
    void tumblingWindowsCountEveryReadingOnceAndEveryStatisticMatchesADirectComputation(String heapWindows) {
        Random rnd = new Random(42);
        int n = 3_000;
        double[] values = new double[n];
        Map<String, List<long[]>> byWindow = new TreeMap<>();
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "2000", "statistics", ALL,
                "window.heap.max.windows", heapWindows))) {
            long ts = T0;
            for (int i = 0; i < n; i++) {
                String device = "d" + rnd.nextInt(5);
                String metric = rnd.nextBoolean() ? "temp" : "hum";
                // out of order by up to 1.5 s: inside grace, nothing is late
                ts += rnd.nextInt(40);
                long eventTs = ts - rnd.nextInt(1500);
                values[i] = rnd.nextGaussian() * 10 + (metric.equals("temp") ? 20 : 50);
                d.reading(device, metric, i, eventTs, values[i]);
                long start = Math.floorDiv(eventTs, 10_000L) * 10_000L;
                byWindow.computeIfAbsent(device + "/" + metric + "/" + start, k -> new ArrayList<>())
                        .add(new long[] {eventTs, i});
            }
            d.reading("closer", "x", 0, ts + 60_000, 0); // moves stream time past every window
            List<Aggregate> finals = d.aggregates().stream().filter(a -> !a.device().equals("closer")).toList();
            assertThat(finals).allMatch(Aggregate::isFinal).allMatch(a -> "stream_time".equals(a.closedBy()));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(n);
            assertThat(finals).hasSize(byWindow.size());
            for (Aggregate a : finals) {
                assertThat(a.windowEnd() - a.windowStart()).isEqualTo(10_000);
                assertThat(a.windowType()).isEqualTo("tumbling");
                Expected.of(byWindow.get(a.key()), values).check(a);
                assertThat(a.late()).isZero();
                assertThat(a.gapReadings()).isZero();
            }
            assertThat(d.lateRecords()).isEmpty();
            assertThat(d.runtime.metrics().getReadings()).isEqualTo(n + 1);
            // the heap holds at most the configured panes, and only open ones: the closer's window
            assertThat(d.runtime.heapPanes().get()).isBetween(0L, Math.min(1L, Long.parseLong(heapWindows)));
        }
    }

    @Test
    void percentilesAreWithinTheSketchRelativeAccuracy() {
        Random rnd = new Random(7);
        double accuracy = 0.01;
        try (Driver d = new Driver(Map.of("window.size.ms", "60000", "statistics", "p50,p90,p99,p99.9",
                "sketch.relative.accuracy", Double.toString(accuracy)))) {
            int n = 5_000;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = Math.exp(rnd.nextGaussian() * 2); // long-tailed, positive
                d.reading("d1", "lat", i, T0 + i, v[i]);
            }
            d.reading("d1", "lat", n, T0 + 10 * 60_000, 1); // closes the first window
            Aggregate a = d.aggregates().get(0);
            assertThat(a.count()).isEqualTo(n);
            Arrays.sort(v);
            for (Map.Entry<String, Double> e : Map.of("p50", 0.5, "p90", 0.9, "p99", 0.99, "p99.9", 0.999).entrySet()) {
                double rank = e.getValue() * (n - 1);
                double lo = v[(int) Math.floor(rank)] * (1 - accuracy);
                double hi = v[(int) Math.ceil(rank)] * (1 + accuracy);
                assertThat(a.percentiles().get(e.getKey())).as(e.getKey()).isBetween(lo, hi);
            }
            assertThat(a.sum()).isNull(); // not configured
        }
    }

    @Test
    void hoppingWindowsCountEachReadingInEveryWindowThatContainsIt() {
        Random rnd = new Random(3);
        try (Driver d = new Driver(Map.of("window.type", "hopping", "window.size.ms", "30000",
                "window.advance.ms", "10000", "window.grace.ms", "0", "statistics", "count,sum,min,max,p50"))) {
            int n = 600;
            Map<Long, List<Double>> expected = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                long ts = T0 + i * 500L;
                double v = rnd.nextInt(1000);
                d.reading("d1", "m", i, ts, v);
                for (long s = Math.floorDiv(ts, 10_000L) * 10_000L; s > ts - 30_000; s -= 10_000) {
                    expected.computeIfAbsent(s, k -> new ArrayList<>()).add(v);
                }
            }
            d.reading("d1", "m", n, T0 + 10_000_000, 0);
            Map<Long, Aggregate> got = d.aggregates().stream().filter(a -> a.windowStart() < T0 + 1_000_000)
                    .collect(Collectors.toMap(Aggregate::windowStart, a -> a));
            assertThat(got.keySet()).isEqualTo(expected.keySet());
            for (var e : expected.entrySet()) {
                Aggregate a = got.get(e.getKey());
                List<Double> vs = e.getValue();
                assertThat(a.windowType()).isEqualTo("hopping");
                assertThat(a.windowEnd()).isEqualTo(a.windowStart() + 30_000);
                assertThat(a.count()).isEqualTo(vs.size());
                assertThat(a.sum()).isEqualTo(vs.stream().mapToDouble(x -> x).sum());
                assertThat(a.min()).isEqualTo(vs.stream().mapToDouble(x -> x).min().orElseThrow());
                assertThat(a.max()).isEqualTo(vs.stream().mapToDouble(x -> x).max().orElseThrow());
                double[] sorted = vs.stream().mapToDouble(x -> x).sorted().toArray();
                double rank = 0.5 * (sorted.length - 1);
                assertThat(a.percentiles().get("p50")).isBetween(sorted[(int) Math.floor(rank)] * 0.99,
                        sorted[(int) Math.ceil(rank)] * 1.01);
            }
            // every reading is in 3 windows (size / advance), so the sum of counts is 3n
            assertThat(expected.values().stream().mapToInt(List::size).sum()).isEqualTo(3 * n);
        }
    }

    @Test
    void sessionsMergeWhenAReadingBridgesThemAndTheirSketchesMergeToo() {
        try (Driver d = new Driver(Map.of("window.type", "session", "window.session.gap.ms", "5000",
                "window.grace.ms", "20000", "statistics", "count,sum,min,max,mean,first,last,p50", "emit", "final"))) {
            // session A: 0..4 s, session B: 12..16 s (gap 8 s > 5 s)
            for (int i = 0; i <= 4; i++) {
                d.reading("d1", "m", i, T0 + i * 1000L, i);
            }
            for (int i = 12; i <= 16; i++) {
                d.reading("d1", "m", i, T0 + i * 1000L, i);
            }
            assertThat(d.aggregates()).isEmpty();
            // 8 s is within 5 s of both 4 s and 12 s: the two sessions and this reading become one
            d.reading("d1", "m", 100, T0 + 8_000, 100);
            d.reading("d1", "m", 101, T0 + 100_000, 0); // closes it
            List<Aggregate> out = d.aggregates();
            assertThat(out).hasSize(1);
            Aggregate s = out.get(0);
            assertThat(s.windowType()).isEqualTo("session");
            assertThat(s.windowStart()).isEqualTo(T0);
            assertThat(s.windowEnd()).isEqualTo(T0 + 16_000);
            assertThat(s.count()).isEqualTo(11);
            assertThat(s.sum()).isEqualTo(0 + 1 + 2 + 3 + 4 + 12 + 13 + 14 + 15 + 16 + 100);
            assertThat(s.min()).isEqualTo(0.0);
            assertThat(s.max()).isEqualTo(100.0);
            assertThat(s.first()).isEqualTo(0.0);
            assertThat(s.last()).isEqualTo(16.0);
            assertThat(s.percentiles().get("p50")).isCloseTo(12.0, within(12 * 0.01));
        }
    }

    @Test
    void sessionsStaySeparateAcrossAGapAndCloseAfterGapPlusGrace() {
        try (Driver d = new Driver(Map.of("window.type", "session", "window.session.gap.ms", "5000",
                "window.grace.ms", "1000"))) {
            d.reading("d1", "m", 1, T0, 1);
            d.reading("d1", "m", 2, T0 + 6_000, 2); // 6 s > gap: a new session; the first closes at 0+5+1 = 6 s
            List<Aggregate> out = d.aggregates();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).count()).isEqualTo(1);
            assertThat(out.get(0).windowEnd()).isEqualTo(T0);
            d.reading("d1", "m", 3, T0 + 10_000, 3); // within the gap: extends the second session to 10 s
            assertThat(d.aggregates()).isEmpty();
            d.reading("d1", "m", 4, T0 + 16_000, 4); // the second session closes at 10 + 5 + 1 = 16 s
            out = d.aggregates();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).count()).isEqualTo(2);
            assertThat(out.get(0).windowStart()).isEqualTo(T0 + 6_000);
        }
    }

    @Test
    void readingsWithinGraceCountAndLaterOnesGoToTheLateTopicAndAreCountedForTheirKey() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "3000"))) {
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 12_000, 2); // stream time 12 s: window [0,10) closes at 13 s
            d.reading("d1", "m", 3, T0 + 9_000, 3);  // in grace: counted in [0,10)
            assertThat(d.aggregates()).isEmpty();
            d.reading("d1", "m", 4, T0 + 13_000, 4); // stream time 13 s: [0,10) closes
            List<Aggregate> out = d.aggregates();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).count()).isEqualTo(2);
            assertThat(out.get(0).late()).isZero();
            d.reading("d1", "m", 5, T0 + 9_500, 5);  // after grace: late
            d.reading("d2", "m", 1, T0 + 9_600, 5);  // late for another key
            List<TestRecord<byte[], byte[]>> late = d.lateRecords();
            assertThat(late).hasSize(2);
            assertThat(new String(late.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("d1");
            assertThat(new String(late.get(0).value(), StandardCharsets.UTF_8)).contains("\"seq\":5");
            assertThat(late.get(0).headers().lastHeader(WindowAggregateProcessor.LATE_HEADER)).isNotNull();
            assertThat(d.runtime.metrics().getLateReadings()).isEqualTo(2);
            d.reading("d1", "m", 6, T0 + 40_000, 6); // closes [10,20)
            Aggregate next = d.aggregates().get(0);
            assertThat(next.windowStart()).isEqualTo(T0 + 10_000);
            assertThat(next.count()).isEqualTo(2);
            assertThat(next.late()).isEqualTo(1); // d1's late reading, not d2's
        }
    }

    @Test
    void updateModeEmitsAfterEveryReadingThenTheFinalAggregate() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "0", "emit", "update"))) {
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 2_000, 5);
            d.reading("d1", "m", 3, T0 + 3_000, 3);
            List<Aggregate> updates = d.aggregates();
            assertThat(updates).extracting(Aggregate::count).containsExactly(1L, 2L, 3L);
            assertThat(updates).noneMatch(Aggregate::isFinal);
            assertThat(updates).extracting(Aggregate::closedBy).containsOnlyNulls();
            assertThat(updates.get(2).max()).isEqualTo(5.0);
            d.reading("d1", "m", 4, T0 + 10_000, 7); // new window, closes [0,10)
            List<Aggregate> out = d.aggregates();
            assertThat(out).hasSize(2);
            // what the reading's time closes is closed before the reading is applied: the final comes first
            assertThat(out.get(0)).matches(a -> a.isFinal() && a.count() == 3 && a.windowStart() == T0);
            assertThat(out.get(1)).matches(a -> !a.isFinal() && a.count() == 1 && a.windowStart() == T0 + 10_000);
        }
    }

    @Test
    void idleDevicesHaveTheirWindowsClosedByTheWallClockPunctuator() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "2000",
                "idle.close.ms", "30000", "idle.check.interval.ms", "1000"))) {
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 5_000, 2);
            d.advanceWallClock(Duration.ofSeconds(20));
            assertThat(d.aggregates()).as("not idle long enough yet").isEmpty();
            d.advanceWallClock(Duration.ofSeconds(15));
            List<Aggregate> out = d.aggregates();
            assertThat(out).hasSize(1);
            assertThat(out.get(0)).matches(a -> a.isFinal() && "idle".equals(a.closedBy()) && a.count() == 2);
            assertThat(d.runtime.metrics().getIdleClosedWindows()).isEqualTo(1);
            // the window is closed for good: a reading for it now is late, not a second final
            d.reading("d1", "m", 3, T0 + 9_000, 3);
            assertThat(d.lateRecords()).hasSize(1);
            assertThat(d.aggregates()).isEmpty();
        }
    }

    @Test
    void gapRecordsAreCountedInTheirWindowSoALossyDeviceDiffersFromAQuietOne() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "0"))) {
            d.reading("quiet", "m", 1, T0 + 1_000, 1);
            d.reading("lossy", "m", 1, T0 + 1_000, 1);
            d.gap("lossy", "m", 2, 11, T0 + 2_000);       // 10 readings dropped at the source
            d.gap("lossy", "m", 20, 24, T0 + 15_000);     // a window with only a gap
            d.reading("x", "m", 1, T0 + 100_000, 1);
            Map<String, Aggregate> out = d.aggregates().stream().filter(a -> !a.device().equals("x"))
                    .collect(Collectors.toMap(Aggregate::key, a -> a));
            assertThat(out.get("lossy/m/" + T0)).matches(a -> a.count() == 1 && a.gapReadings() == 10);
            assertThat(out.get("lossy/m/" + (T0 + 10_000))).matches(a -> a.count() == 0 && a.gapReadings() == 5
                    && a.min() == null && a.mean() == null && a.sum() == 0.0);
            assertThat(out.get("quiet/m/" + T0)).matches(a -> a.count() == 1 && a.gapReadings() == 0);
            assertThat(d.runtime.metrics().getGapRecords()).isEqualTo(2);
        }
    }

    @Test
    void recordsThatDoNotParseGoToTheDeadLetterTopicWithTheErrorAndOthersFlowOn() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "0"))) {
            d.raw("d1", "{not json", T0);
            d.raw("d1", "{\"device\":\"d1\",\"metric\":\"m\"}", T0);
            d.raw("d1", "{\"device\":\"d1\",\"metric\":\"m\",\"value\":NaN}", T0);
            d.raw("d1", "{\"device\":\"d 1\",\"metric\":\"m\",\"value\":1}", T0);
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 20_000, 1);
            var dead = d.dlq.readRecordsToList();
            assertThat(dead).hasSize(4);
            assertThat(new String(dead.get(2).headers().lastHeader("sluice.error").value(), StandardCharsets.UTF_8))
                    .contains("NaN");
            assertThat(new String(dead.get(3).headers().lastHeader("sluice.error").value(), StandardCharsets.UTF_8))
                    .contains("device id");
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
            assertThat(new String(dead.get(1).headers().lastHeader("sluice.error").value(), StandardCharsets.UTF_8))
                    .contains("missing 'value'");
            assertThat(d.aggregates()).singleElement().matches(a -> a.count() == 1);
            assertThat(d.runtime.metrics().getDeadLetterRecords()).isEqualTo(4);
        }
    }

    @Test
    void skipPolicyCountsBadRecordsWithoutWritingThem() {
        try (Driver d = new Driver(Map.of("errors.bad.record.policy", "skip"))) {
            d.raw("d1", "[]", T0);
            d.reading("d1", "m", 1, T0, 1);
            assertThat(d.dlq.isEmpty()).isTrue();
            assertThat(d.runtime.metrics().getSkippedRecords()).isEqualTo(1);
            assertThat(d.runtime.metrics().getReadings()).isEqualTo(1);
        }
    }

    @Test
    void plainJsonWithoutTsUsesTheRecordTimestamp() {
        try (Driver d = new Driver(Map.of("window.size.ms", "10000", "window.grace.ms", "0"))) {
            d.raw("d1", "{\"device\":\"d1\",\"metric\":\"t\",\"value\":1.5}", T0 + 3_000);
            d.raw("d1", "{\"device\":\"d1\",\"metric\":\"t\",\"value\":2.5,\"ts\":" + (T0 + 4_000) + "}", T0 + 99_999);
            d.raw("d1", "{\"device\":\"d1\",\"metric\":\"t\",\"value\":0,\"ts\":" + (T0 + 50_000) + "}", T0 + 50_000);
            Aggregate a = d.aggregates().get(0);
            assertThat(a.windowStart()).isEqualTo(T0);
            assertThat(a.count()).isEqualTo(2);
            assertThat(a.mean()).isEqualTo(2.0);
        }
    }

    @Test
    void groupingByMetricAndByTagRepartitionAndKeyTheGroups() {
        try (Driver d = new Driver(Map.of("grouping", "metric", "window.size.ms", "10000", "window.grace.ms", "0"))) {
            d.reading("d1", "temp", 1, T0, 10);
            d.reading("d2", "temp", 1, T0 + 1, 20);
            d.reading("d2", "hum", 2, T0 + 2, 50);
            d.reading("d3", "temp", 1, T0 + 20_000, 0);
            Map<String, Aggregate> out = d.aggregates().stream().collect(Collectors.toMap(Aggregate::key, a -> a));
            assertThat(out.get("*/temp/" + T0)).matches(a -> a.count() == 2 && a.mean() == 15.0 && a.device().equals("*"));
            assertThat(out.get("*/hum/" + T0)).matches(a -> a.count() == 1);
        }
        try (Driver d = new Driver(Map.of("grouping", "tag", "grouping.tag", "room", "window.size.ms", "10000",
                "window.grace.ms", "0"))) {
            d.reading("d1", "temp", 1, T0, 10, Map.of("room", "a"));
            d.reading("d2", "temp", 1, T0 + 1, 20, Map.of("room", "a"));
            d.reading("d3", "temp", 1, T0 + 2, 30, Map.of("room", "b"));
            d.reading("d4", "temp", 1, T0 + 3, 40);
            d.reading("d4", "temp", 2, T0 + 20_000, 0, Map.of("room", "z"));
            Map<String, Aggregate> out = d.aggregates().stream().collect(Collectors.toMap(Aggregate::key, a -> a));
            assertThat(out.get("room=a/temp/" + T0)).matches(a -> a.count() == 2 && a.group().equals(Map.of("room", "a")));
            assertThat(out.get("room=b/temp/" + T0)).matches(a -> a.count() == 1);
            assertThat(out.get("room=_none/temp/" + T0)).matches(a -> a.count() == 1);
        }
        try (Driver d = new Driver(Map.of("grouping", "device", "window.size.ms", "10000", "window.grace.ms", "0"))) {
            d.reading("d1", "temp", 1, T0, 10);
            d.reading("d1", "hum", 2, T0 + 1, 20);
            d.reading("d1", "hum", 3, T0 + 20_000, 20);
            assertThat(d.aggregates()).singleElement().matches(a -> a.key().equals("d1/*/" + T0) && a.count() == 2);
        }
    }

    @Test
    void everyAggregateCarriesItsWindowAndCompleteness() {
        Map<String, String> s = new HashMap<>(Map.of("window.size.ms", "10000", "window.grace.ms", "0"));
        try (Driver d = new Driver(s)) {
            d.reading("d1", "m", 1, T0 + 5, 1);
            d.reading("d1", "m", 2, T0 + 10_000, 1);
            Aggregate a = d.aggregates().get(0);
            assertThat(a.device()).isEqualTo("d1");
            assertThat(a.metric()).isEqualTo("m");
            assertThat(a.windowStart()).isEqualTo(T0);
            assertThat(a.windowEnd()).isEqualTo(T0 + 10_000);
            assertThat(a.isFinal()).isTrue();
            assertThat(a.count()).isEqualTo(1);
            assertThat(a.late()).isZero();
            assertThat(a.gapReadings()).isZero();
            assertThat(a.key()).isEqualTo("d1/m/" + T0);
        }
    }

    /**
     * Random time-window configurations over out-of-order readings, against a direct model of
     * the rules: stream time is the largest event time so far; a reading counts in every window
     * containing it that has not reached its close time (end + grace), and is late when none
     * is left; each window's final aggregate holds exactly the readings counted in it.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "seed {0}")
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void timeWindowsMatchADirectModelOfWindowsGraceAndLateness(long seed) {
        Random rnd = new Random(seed);
        long advance = 1_000L * (1 + rnd.nextInt(5));
        long size = advance * (1 + rnd.nextInt(4));
        long grace = 500L * rnd.nextInt(6);
        String emit = rnd.nextBoolean() ? "final" : "update";
        Map<String, List<Double>> model = new TreeMap<>();
        long lateModel = 0;
        try (Driver d = new Driver(Map.of("window.type", "hopping", "window.size.ms", String.valueOf(size),
                "window.advance.ms", String.valueOf(advance), "window.grace.ms", String.valueOf(grace), "emit", emit,
                "window.heap.max.windows", rnd.nextBoolean() ? "100000" : "2"))) {
            long streamTime = Long.MIN_VALUE;
            long clock = T0;
            for (int i = 0; i < 1_500; i++) {
                clock += rnd.nextInt(200);
                long ts = clock - rnd.nextInt((int) (size + 2 * grace + 1)); // some beyond grace
                String dev = "d" + rnd.nextInt(3);
                double v = rnd.nextInt(1000);
                d.reading(dev, "m", i, ts, v);
                streamTime = Math.max(streamTime, ts);
                boolean counted = false;
                for (long st = Math.floorDiv(ts, advance) * advance; st > ts - size; st -= advance) {
                    if (st + size + grace > streamTime) {
                        model.computeIfAbsent(dev + "/m/" + st, k -> new ArrayList<>()).add(v);
                        counted = true;
                    }
                }
                if (!counted) {
                    lateModel++;
                }
            }
            d.reading("zz", "m", 0, clock + 10 * (size + grace) + 100_000, 0);
            List<Aggregate> finals = d.assertFinalsEqual(model, "zz");
            assertThat(finals).allMatch(a -> a.windowEnd() - a.windowStart() == size);
            assertThat(d.runtime.metrics().getLateReadings()).isEqualTo(lateModel);
            assertThat(d.lateRecords()).hasSize((int) lateModel);
        }
    }

    @Test
    void hoppingUpdatesShowTheWindowSoFarAndEndWithTheFinal() {
        try (Driver d = new Driver(Map.of("window.type", "hopping", "window.size.ms", "20000",
                "window.advance.ms", "10000", "window.grace.ms", "0", "emit", "update"))) {
            d.reading("d1", "m", 1, T0 + 5_000, 1);   // windows [-10,10) and [0,20)
            d.reading("d1", "m", 2, T0 + 15_000, 2);  // [0,20) and [10,30); [-10,10) closes
            List<Aggregate> out = d.aggregates();
            Map<String, List<Aggregate>> byWindow = out.stream().collect(Collectors.groupingBy(Aggregate::key));
            assertThat(byWindow.get("d1/m/" + T0)).extracting(Aggregate::count).containsExactly(1L, 2L);
            assertThat(byWindow.get("d1/m/" + (T0 - 10_000))).extracting(Aggregate::isFinal).containsExactly(false, true);
            assertThat(byWindow.get("d1/m/" + (T0 + 10_000))).singleElement().matches(a -> a.count() == 1 && a.sum() == 2.0);
        }
    }
}
