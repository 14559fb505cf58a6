package io.sluice.streams.topology;

import static io.sluice.streams.topology.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.telemetry.Aggregate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code window.close=per_device}: a device's windows close when that device has passed them. */
class PerDeviceClosingTest {

    private static Map<String, String> settings(String... kv) {
        Map<String, String> s = new HashMap<>(Map.of("window.close", "per_device"));
        for (int i = 0; i < kv.length; i += 2) {
            s.put(kv[i], kv[i + 1]);
        }
        return s;
    }

    /** Device "fast" sends 0..60 s, then "slow" sends its backlog of the same minute: 10 s windows. */
    private static void fastThenSlowBacklog(Driver d) {
        for (int i = 0; i < 60; i++) {
            d.reading("fast", "temp", i, T0 + i * 1_000L, 1);
        }
        for (int i = 0; i < 60; i++) {
            d.reading("slow", "temp", i, T0 + i * 1_000L, 2);
        }
    }

    private static long sumOfCounts(List<Aggregate> finals, String device) {
        return finals.stream().filter(a -> a.isFinal() && a.device().equals(device)).mapToLong(Aggregate::count).sum();
    }

    @Test
    void aDeviceBehindByMoreThanWindowPlusGraceHasEveryReadingCountedPerDeviceAndLateByStreamTime() {
        try (Driver d = new Driver(settings("window.size.ms", "10000", "window.grace.ms", "5000"))) {
            fastThenSlowBacklog(d);
            List<Aggregate> out = d.aggregates();
            // fast passed its windows 0..40 s with its own readings; slow passed 0..40 s with its backlog
            assertThat(out).allMatch(a -> a.isFinal() && "device".equals(a.closedBy()));
            assertThat(sumOfCounts(out, "fast")).isEqualTo(50);
            assertThat(sumOfCounts(out, "slow")).isEqualTo(50);
            assertThat(d.lateRecords()).isEmpty();
            assertThat(d.runtime.metrics().getLateReadings()).isZero();
            assertThat(d.runtime.metrics().getDeviceClosedWindows()).isEqualTo(10);
            // each device's last window closes with its own next reading
            d.reading("fast", "temp", 60, T0 + 60_000, 1);
            d.reading("slow", "temp", 60, T0 + 60_000, 2);
            List<Aggregate> last = d.aggregates();
            assertThat(last).extracting(Aggregate::key).containsExactlyInAnyOrder("fast/temp/" + (T0 + 50_000),
                    "slow/temp/" + (T0 + 50_000));
            assertThat(last).allMatch(a -> a.count() == 10);
        }
        try (Driver d = new Driver(settings("window.close", "stream_time", "window.size.ms", "10000",
                "window.grace.ms", "5000"))) {
            fastThenSlowBacklog(d);
            // stream time is at 59 s (fast): slow's readings of windows ending at or before 54 s are late
            List<Aggregate> out = d.aggregates();
            assertThat(sumOfCounts(out, "fast")).isEqualTo(50);
            assertThat(sumOfCounts(out, "slow")).isZero();
            assertThat(d.runtime.metrics().getLateReadings()).isEqualTo(50);
            assertThat(d.lateRecords()).hasSize(50);
        }
    }

    @Test
    void readingsOutOfOrderWithinOneDeviceCountUpToTheDeviceGraceAndLaterOnesAreLate() {
        try (Driver d = new Driver(settings("window.size.ms", "10000", "window.device.grace.ms", "2000"))) {
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 11_000, 2);  // device at 11 s: window 0..10 still open (grace 2 s)
            d.reading("d1", "m", 3, T0 + 9_000, 3);   // out of order, within the device grace: counts
            assertThat(d.aggregates()).isEmpty();
            d.reading("d1", "m", 4, T0 + 12_000, 4);  // device at 12 s: 0..10 closes
            d.reading("d1", "m", 5, T0 + 9_500, 5);   // beyond the device grace: late
            List<Aggregate> out = d.aggregates();
            assertThat(out).singleElement().matches(a -> a.count() == 2 && a.sum() == 4.0 && "device".equals(a.closedBy()));
            assertThat(d.lateRecords()).singleElement().satisfies(r -> assertThat(new String(
                    r.headers().lastHeader(WindowAggregateProcessor.LATE_HEADER).value(), StandardCharsets.UTF_8))
                    .startsWith("device time " + (T0 + 12_000) + ", device grace 2000 ms"));
            d.reading("d1", "m", 6, T0 + 22_000, 6);  // device at 22 s = 20 s + grace: 10..20 closes
            assertThat(d.aggregates()).singleElement().matches(a -> a.count() == 2 && a.sum() == 6.0 && a.late() == 1);
        }
    }

    @Test
    void aDeviceThatStopsWhileOthersGoOnIsClosedByStreamTimeAtTheMaxBehindBound() {
        try (Driver d = new Driver(settings("window.size.ms", "10000", "window.device.max.behind.ms", "30000"))) {
            d.reading("stops", "m", 1, T0 + 1_000, 1);
            for (int i = 0; i < 40; i++) {
                d.reading("goes-on", "m", i, T0 + i * 1_000L, 1);
            }
            // stream time 39 s < 10 s + 30 s: the stopped device's window is still open
            assertThat(d.aggregates()).allMatch(a -> a.device().equals("goes-on"));
            d.reading("goes-on", "m", 40, T0 + 40_000, 1);
            List<Aggregate> out = d.aggregates();
            assertThat(out).filteredOn(a -> a.device().equals("stops")).singleElement()
                    .matches(a -> a.count() == 1 && "stream_time".equals(a.closedBy()));
            assertThat(d.runtime.metrics().getStreamTimeClosedWindows()).isEqualTo(1);
            // closed for good: the stopped device's reading for it is late, not a second final
            d.reading("stops", "m", 2, T0 + 2_000, 2);
            assertThat(d.lateRecords()).hasSize(1);
            d.reading("stops", "m", 3, T0 + 45_000, 3);
            assertThat(d.aggregates()).noneMatch(a -> a.device().equals("stops") && a.windowStart() == T0);
        }
    }

    @Test
    void idleCloseFinishesEveryDeviceIncludingOneThatWasBehind() {
        try (Driver d = new Driver(settings("window.size.ms", "10000", "idle.close.ms", "30000",
                "idle.check.interval.ms", "1000"))) {
            d.reading("ahead", "m", 1, T0 + 25_000, 1);
            d.reading("behind", "m", 1, T0 + 3_000, 1);
            d.reading("behind", "m", 2, T0 + 4_000, 1);
            assertThat(d.aggregates()).isEmpty();
            d.advanceWallClock(Duration.ofSeconds(35));
            List<Aggregate> out = d.aggregates();
            assertThat(out).extracting(Aggregate::key).containsExactlyInAnyOrder("ahead/m/" + (T0 + 20_000),
                    "behind/m/" + T0);
            assertThat(out).allMatch(a -> "idle".equals(a.closedBy()));
            d.reading("behind", "m", 3, T0 + 5_000, 1);
            assertThat(d.lateRecords()).hasSize(1);
            // idle close moved the device only past the windows it closed: a held-back reading of a later one counts
            d.reading("behind", "m", 4, T0 + 12_000, 1);
            d.reading("behind", "m", 5, T0 + 20_000, 1);
            assertThat(d.lateRecords()).isEmpty();
            assertThat(d.aggregates()).singleElement().matches(a -> a.windowStart() == T0 + 10_000 && a.count() == 1
                    && "device".equals(a.closedBy()));
        }
    }

    @Test
    void groupingsThatMixDevicesCloseByStreamTime() {
        try (Driver d = new Driver(settings("grouping", "metric", "window.size.ms", "10000", "window.grace.ms", "5000"))) {
            fastThenSlowBacklog(d);
            List<Aggregate> out = d.aggregates();
            assertThat(out).isNotEmpty().allMatch(a -> "stream_time".equals(a.closedBy()) && a.device().equals("*"));
            // slow's backlog is late by stream time, as with window.close=stream_time
            assertThat(d.runtime.metrics().getLateReadings()).isEqualTo(50);
            assertThat(d.runtime.metrics().getDeviceClosedWindows()).isZero();
        }
    }

    @Test
    void hoppingWindowsClosePerDeviceInStartOrder() {
        try (Driver d = new Driver(settings("window.type", "hopping", "window.size.ms", "20000",
                "window.advance.ms", "10000"))) {
            for (int i = 0; i < 40; i++) {
                d.reading("fast", "m", i, T0 + i * 1_000L, 1);
            }
            for (int i = 0; i < 40; i++) {
                d.reading("slow", "m", i, T0 + i * 1_000L, 1);
            }
            Map<String, List<Aggregate>> byDevice = d.aggregates().stream()
                    .collect(Collectors.groupingBy(Aggregate::device));
            for (String dev : List.of("fast", "slow")) {
                // windows [-10,10) [0,20) [10,30) are passed at 39 s; [20,40) is not yet
                assertThat(byDevice.get(dev)).extracting(Aggregate::windowStart)
                        .containsExactly(T0 - 10_000, T0, T0 + 10_000);
                assertThat(byDevice.get(dev)).extracting(Aggregate::count).containsExactly(10L, 20L, 20L);
                assertThat(byDevice.get(dev)).allMatch(a -> "device".equals(a.closedBy()));
            }
            assertThat(d.lateRecords()).isEmpty();
        }
    }

    @Test
    void aDeviceSessionIsFinalOnceThatDevicePassesItsLastReadingPlusTheGap() {
        try (Driver d = new Driver(settings("window.type", "session", "window.session.gap.ms", "5000",
                "window.grace.ms", "0"))) {
            d.reading("fast", "m", 1, T0, 1);
            d.reading("fast", "m", 2, T0 + 2_000, 1);
            d.reading("fast", "m", 3, T0 + 60_000, 1);   // fast's session [0,2] is passed
            d.reading("slow", "m", 1, T0, 1);             // 60 s behind fast: not late
            d.reading("slow", "m", 2, T0 + 4_000, 1);
            List<Aggregate> out = d.aggregates();
            assertThat(out).singleElement().matches(a -> a.device().equals("fast") && a.count() == 2
                    && "device".equals(a.closedBy()));
            d.reading("slow", "m", 3, T0 + 8_000, 1);     // within the gap: same session
            assertThat(d.aggregates()).isEmpty();
            d.reading("slow", "m", 4, T0 + 14_000, 1);    // slow past 8 s + gap: its session is final
            assertThat(d.aggregates()).singleElement().matches(a -> a.device().equals("slow") && a.count() == 3
                    && a.windowStart() == T0 && a.windowEnd() == T0 + 8_000 && "device".equals(a.closedBy()));
            d.reading("slow", "m", 5, T0 + 7_000, 1);     // into the closed session: late
            assertThat(d.lateRecords()).hasSize(1);
        }
    }

    @Test
    void updateModeStopsUpdatingAWindowItsDeviceHasPassed() {
        try (Driver d = new Driver(settings("window.size.ms", "10000", "emit", "update"))) {
            d.reading("d1", "m", 1, T0 + 1_000, 1);
            d.reading("d1", "m", 2, T0 + 12_000, 2);
            List<Aggregate> out = d.aggregates();
            // the final of the window the device passed, before the update of the reading that passed it
            assertThat(out).extracting(Aggregate::isFinal).containsExactly(false, true, false);
            assertThat(out.get(1)).matches(a -> a.windowStart() == T0 && a.count() == 1);
            assertThat(out.get(2)).matches(a -> a.windowStart() == T0 + 10_000 && a.count() == 1);
        }
    }

    /**
     * Random configurations over devices that drift apart and are out of order within the device
     * grace and beyond, against a direct model of the rule: a reading counts in every window
     * containing it whose end plus the device grace is after its device's time and whose end
     * plus the max-behind bound is after stream time; a reading that counts nowhere is late.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void timeWindowsMatchADirectModelOfPerDeviceClosing(long seed) {
        Random rnd = new Random(seed);
        long advance = 1_000L * (1 + rnd.nextInt(5));
        long size = advance * (1 + rnd.nextInt(4));
        long deviceGrace = 500L * rnd.nextInt(4);
        long maxBehind = deviceGrace + 1_000L * (2 + rnd.nextInt(30));
        String emit = rnd.nextBoolean() ? "final" : "update";
        Map<String, List<Double>> model = new TreeMap<>();
        Map<String, Long> deviceTime = new HashMap<>();
        long lateModel = 0;
        try (Driver d = new Driver(settings("window.type", "hopping", "window.size.ms", String.valueOf(size),
                "window.advance.ms", String.valueOf(advance), "window.device.grace.ms", String.valueOf(deviceGrace),
                "window.device.max.behind.ms", String.valueOf(maxBehind), "emit", emit,
                "window.heap.max.windows", rnd.nextBoolean() ? "100000" : "2"))) {
            long streamTime = Long.MIN_VALUE;
            long[] clocks = new long[4];
            java.util.Arrays.fill(clocks, T0);
            for (int i = 0; i < 2_000; i++) {
                int dev = rnd.nextInt(4);
                clocks[dev] += rnd.nextInt(100 * (dev + 1)); // the devices drift apart
                long ts = clocks[dev] - (rnd.nextInt(10) == 0 ? rnd.nextInt((int) (size + 2 * deviceGrace + 1)) : 0);
                String device = "d" + dev;
                double v = rnd.nextInt(1000);
                d.reading(device, "m", i, ts, v);
                streamTime = Math.max(streamTime, ts);
                long dt = Math.max(deviceTime.getOrDefault(device, Long.MIN_VALUE), ts);
                deviceTime.put(device, dt);
                boolean counted = false;
                for (long st = Math.floorDiv(ts, advance) * advance; st > ts - size; st -= advance) {
                    if (st + size + deviceGrace > dt && st + size + maxBehind > streamTime) {
                        model.computeIfAbsent(device + "/m/" + st, k -> new ArrayList<>()).add(v);
                        counted = true;
                    }
                }
                if (!counted) {
                    lateModel++;
                }
            }
            d.reading("zz", "m", 0, streamTime + 10 * (size + maxBehind) + 100_000, 0); // the bound closes the rest
            List<Aggregate> finals = d.assertFinalsEqual(model, "zz");
            assertThat(d.runtime.metrics().getLateReadings()).isEqualTo(lateModel);
            assertThat(d.lateRecords()).hasSize((int) lateModel);
            assertThat(finals).anyMatch(a -> "device".equals(a.closedBy()));
        }
    }
}
