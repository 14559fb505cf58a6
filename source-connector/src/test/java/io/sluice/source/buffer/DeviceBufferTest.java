package io.sluice.source.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.source.config.AggregateFunction;
import io.sluice.source.config.OverflowPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DeviceBufferTest {
    static final Duration NOW = Duration.ZERO;

    static final class TestInlet implements Inlet {
        final AtomicInteger woken = new AtomicInteger();

        @Override
        public String label() {
            return "test";
        }

        @Override
        public void onSpace() {
            woken.incrementAndGet();
        }
    }

    static Reading r(long seq) {
        return new Reading(seq, 1_000 + seq, "temp", seq, Map.of());
    }

    static Reading r(long seq, String metric, double value) {
        return new Reading(seq, 1_000 + seq, metric, value, Map.of());
    }

    static List<Long> seqs(List<Drained> out) {
        List<Long> s = new ArrayList<>();
        for (Drained d : out) {
            if (d instanceof Drained.ReadingItem ri) {
                for (long x : ri.seqs()) {
                    s.add(x);
                }
            }
        }
        return s;
    }

    @Test
    void blockRefusesBeyondRecordCapacityAndWakesTheInletOnceBelowTheLowWatermark() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(10, 1 << 20, OverflowPolicy.BLOCK).withFairShare(false));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 10; i++) {
            assertThat(b.offer(in, "d", r(i), 40)).isEqualTo(Offer.ACCEPTED);
        }
        assertThat(b.offer(in, "d", r(11), 40)).isEqualTo(Offer.FULL);
        assertThat(b.stats().records()).isEqualTo(10);
        assertThat(b.stats().refusedFull()).isEqualTo(1);
        assertThat(b.poll(4, NOW)).hasSize(4);
        assertThat(in.woken).as("6 records left, low watermark is 5").hasValue(0);
        assertThat(b.poll(1, NOW)).hasSize(1);
        assertThat(in.woken).hasValue(1);
        assertThat(b.poll(5, NOW)).hasSize(5);
        assertThat(in.woken).as("called back once per refusal").hasValue(1);
    }

    @Test
    void blockRefusesBeyondByteCapacity() {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(1000, 100, OverflowPolicy.BLOCK).withFairShare(false));
        TestInlet in = new TestInlet();
        assertThat(b.offer(in, "d", r(1), 60)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.offer(in, "d", r(2), 41)).isEqualTo(Offer.FULL);
        assertThat(b.offer(in, "d", r(2), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.stats().bytes()).isEqualTo(100);
        assertThat(b.stats().peakBytes()).isEqualTo(100);
    }

    @Test
    void dropNewestDropsTheIncomingReadingCountsItAndReportsAGap() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(3, 1 << 20, OverflowPolicy.DROP_NEWEST).withFairShare(false));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 3; i++) {
            b.offer(in, "d", r(i), 40);
        }
        assertThat(b.offer(in, "d", r(4), 40)).isEqualTo(Offer.DROPPED);
        assertThat(b.offer(in, "d", r(5), 40)).isEqualTo(Offer.DROPPED);
        assertThat(b.drops("d", DropReason.DROP_NEWEST)).isEqualTo(2);
        List<Drained> out = b.poll(10, NOW);
        assertThat(out.get(0)).isInstanceOf(Drained.GapItem.class);
        Gap g = ((Drained.GapItem) out.get(0)).gap();
        assertThat(g).isEqualTo(new Gap("d", "temp", 4, 5, 2, "drop_newest", 1_004));
        assertThat(seqs(out)).containsExactly(1L, 2L, 3L);
        assertThat(b.stats().droppedNewest()).isEqualTo(2);
        assertThat(b.stats().gapsDrained()).isEqualTo(1);
    }

    @Test
    void dropOldestEvictsTheDevicesOwnOldestReadingAndReportsIt() throws Exception {
        List<Long> evicted = new ArrayList<>();
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(3, 1 << 20, OverflowPolicy.DROP_OLDEST).withFairShare(false),
                Clock.systemUTC(), (device, s, reason) -> {
                    for (long x : s) {
                        evicted.add(x);
                    }
                });
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 5; i++) {
            assertThat(b.offer(in, "d", r(i), 40)).isEqualTo(Offer.ACCEPTED);
        }
        assertThat(evicted).containsExactly(1L, 2L);
        List<Drained> out = b.poll(10, NOW);
        assertThat(((Drained.GapItem) out.get(0)).gap()).isEqualTo(new Gap("d", "temp", 1, 2, 2, "drop_oldest", 1_001));
        assertThat(seqs(out)).containsExactly(3L, 4L, 5L);
        assertThat(b.drops("d", DropReason.DROP_OLDEST)).isEqualTo(2);
    }

    @Test
    void dropOldestNeverEvictsAnotherDevicesReadings() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(4, 1 << 20, OverflowPolicy.DROP_OLDEST).withFairShare(false));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 4; i++) {
            b.offer(in, "big", r(i), 40);
        }
        assertThat(b.offer(in, "small", r(1), 40)).isEqualTo(Offer.DROPPED);
        assertThat(b.drops("small", DropReason.DROP_OLDEST)).isEqualTo(1);
        assertThat(b.records("big")).isEqualTo(4);
    }

    @Test
    void underPressureADeviceOverItsFairShareIsRefusedWhileAQuietOneGetsIn() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(10, 1 << 20, OverflowPolicy.BLOCK));
        TestInlet chatty = new TestInlet();
        TestInlet quiet = new TestInlet();
        b.offer(quiet, "quiet", r(1), 40);
        int taken = 0;
        for (int i = 1; i <= 20; i++) {
            if (b.offer(chatty, "chatty", r(i), 40) == Offer.ACCEPTED) {
                taken++;
            } else {
                break;
            }
        }
        // 6 records make the buffer "under pressure" (above 5); 2 devices share 10: 5 each
        assertThat(b.records("chatty")).isEqualTo(5);
        assertThat(taken).isEqualTo(5);
        assertThat(b.offer(quiet, "quiet", r(2), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.offer(quiet, "quiet", r(3), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.stats().records()).isEqualTo(8);
    }

    @Test
    void withoutFairShareOneDeviceCanFillTheBuffer() {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(10, 1 << 20, OverflowPolicy.BLOCK).withFairShare(false));
        TestInlet in = new TestInlet();
        b.offer(in, "quiet", r(1), 40);
        for (int i = 1; i <= 9; i++) {
            assertThat(b.offer(in, "chatty", r(i), 40)).isEqualTo(Offer.ACCEPTED);
        }
        assertThat(b.offer(in, "quiet", r(2), 40)).isEqualTo(Offer.FULL);
    }

    @Test
    void pollTakesOneRecordPerDeviceInTurn() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 5; i++) {
            b.offer(in, "a", r(i), 40);
        }
        b.offer(in, "b", r(1), 40);
        b.offer(in, "c", r(1), 40);
        List<Drained> out = b.poll(5, NOW);
        assertThat(out).extracting(Drained::device).containsExactly("a", "b", "c", "a", "a");
        assertThat(seqs(b.poll(10, NOW))).containsExactly(4L, 5L);
    }

    @Test
    void pollReturnsAtMostMaxAndNothingAfterItsTimeoutWhenEmpty() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 7; i++) {
            b.offer(in, "a", r(i), 40);
        }
        assertThat(b.poll(3, NOW)).hasSize(3);
        assertThat(b.poll(100, NOW)).hasSize(4);
        assertThat(b.poll(100, Duration.ofMillis(20))).isEmpty();
    }

    @Test
    void aWaitingPollReturnsAsSoonAsAReadingArrives() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK));
        CompletableFuture<List<Drained>> polled = CompletableFuture.supplyAsync(() -> {
            try {
                return b.poll(10, Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            b.offer(new TestInlet(), "a", r(1), 40);
            return polled.isDone() || b.stats().records() > 0;
        });
        assertThat(polled.get(30, TimeUnit.SECONDS)).isNotEmpty();
    }

    @Test
    void closeWakesAWaitingPoll() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK));
        CompletableFuture<List<Drained>> polled = CompletableFuture.supplyAsync(() -> {
            try {
                return b.poll(10, Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        b.close();
        assertThat(polled.get(30, TimeUnit.SECONDS)).isEmpty();
        assertThat(b.offer(new TestInlet(), "a", r(1), 40)).isEqualTo(Offer.CLOSED);
    }

    @Test
    void aNetworkFailureIsRethrownFromTheNextPoll() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK));
        CompletableFuture<Throwable> polled = CompletableFuture.supplyAsync(() -> {
            try {
                b.poll(10, Duration.ofMinutes(5));
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        b.fail("listener died", new java.io.IOException("boom"), true);
        assertThat(polled.get(30, TimeUnit.SECONDS)).isInstanceOf(BufferFailedException.class).hasMessage("listener died");
        assertThatThrownBy(() -> b.poll(1, NOW)).isInstanceOf(BufferFailedException.class)
                .satisfies(t -> assertThat(((BufferFailedException) t).retriable()).isTrue());
    }

    @Test
    void filtersLeaveOutMetricsValuesAndTagsThatDoNotMatch() throws Exception {
        ReadingFilter f = new ReadingFilter(List.of(Pattern.compile("temp.*")), List.of(Pattern.compile("temp_debug")), 0, 100,
                Map.of("site", Pattern.compile("a|b")));
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK).withFilter(f));
        TestInlet in = new TestInlet();
        assertThat(b.offer(in, "d", new Reading(1, 1, "temp", 5, Map.of("site", "a")), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.offer(in, "d", new Reading(2, 1, "humidity", 5, Map.of("site", "a")), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.offer(in, "d", new Reading(3, 1, "temp_debug", 5, Map.of("site", "a")), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.offer(in, "d", new Reading(4, 1, "temp", 500, Map.of("site", "a")), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.offer(in, "d", new Reading(5, 1, "temp", -1, Map.of("site", "a")), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.offer(in, "d", new Reading(6, 1, "temp", 5, Map.of("site", "c")), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.offer(in, "d", new Reading(7, 1, "temp", 5, Map.of()), 40)).isEqualTo(Offer.FILTERED);
        assertThat(b.stats().filtered()).isEqualTo(6);
        assertThat(seqs(b.poll(10, NOW))).containsExactly(1L);
    }

    static final class MutableClock extends Clock {
        long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void preAggregationFoldsADevicesReadingsPerMetricAndIntervalAndReleasesThemWhenTheIntervalEnds() throws Exception {
        MutableClock clock = new MutableClock(10_000);
        Aggregation agg = new Aggregation(Duration.ofSeconds(1), AggregateFunction.SUM, List.of());
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(100, 1 << 20, OverflowPolicy.BLOCK).withAggregation(agg), clock,
                DeviceBuffer.Events.NONE);
        TestInlet in = new TestInlet();
        assertThat(b.offer(in, "d", r(1, "temp", 1), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.offer(in, "d", r(2, "hum", 50), 40)).isEqualTo(Offer.ACCEPTED);
        assertThat(b.offer(in, "d", r(3, "temp", 2), 40)).isEqualTo(Offer.AGGREGATED);
        assertThat(b.offer(in, "d", r(4, "temp", 4), 40)).isEqualTo(Offer.AGGREGATED);
        assertThat(b.stats().records()).isEqualTo(2);
        assertThat(b.poll(10, NOW)).as("the interval is still open").isEmpty();
        clock.millis = 11_000;
        assertThat(b.offer(in, "d", r(5, "temp", 8), 40)).as("a new interval opens").isEqualTo(Offer.ACCEPTED);
        List<Drained> out = b.poll(10, NOW);
        assertThat(out).hasSize(2);
        Drained.ReadingItem temp = (Drained.ReadingItem) out.get(0);
        assertThat(temp.aggregated()).isTrue();
        assertThat(temp.seqs()).containsExactly(1, 3, 4);
        assertThat(temp.reading().value()).isEqualTo(7.0);
        assertThat(temp.reading().seq()).isEqualTo(4);
        assertThat(temp.reading().tags()).containsEntry("agg", "sum").containsEntry("agg_count", "3").containsEntry("agg_min", "1.0")
                .containsEntry("agg_max", "4.0").containsEntry("agg_first_seq", "1");
        assertThat(temp.offsetSeq()).as("seq 2 is still buffered").isEqualTo(1);
        Drained.ReadingItem hum = (Drained.ReadingItem) out.get(1);
        assertThat(hum.seqs()).containsExactly(2);
        assertThat(hum.offsetSeq()).as("seq 5 is still buffered, all up to 4 left").isEqualTo(2);
        assertThat(b.stats().drained()).isEqualTo(4);
        assertThat(b.stats().folded()).isEqualTo(2);
        clock.millis = 12_000;
        Drained.ReadingItem last = (Drained.ReadingItem) b.poll(10, NOW).get(0);
        assertThat(last.seqs()).containsExactly(5);
        assertThat(last.offsetSeq()).isEqualTo(5);
    }

    @Test
    void aPerDevicePolicyOverridesTheDefault() {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(2, 1 << 20, OverflowPolicy.BLOCK).withFairShare(false)
                .withPolicy(d -> d.startsWith("cam") ? OverflowPolicy.DROP_NEWEST : OverflowPolicy.BLOCK));
        TestInlet in = new TestInlet();
        b.offer(in, "cam-1", r(1), 40);
        b.offer(in, "cam-1", r(2), 40);
        assertThat(b.offer(in, "cam-1", r(3), 40)).isEqualTo(Offer.DROPPED);
        assertThat(b.offer(in, "pump-1", r(1), 40)).isEqualTo(Offer.FULL);
    }

    @Test
    void countersAreExact() throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(5, 1 << 20, OverflowPolicy.DROP_NEWEST).withFairShare(false)
                .withFilter(new ReadingFilter(List.of(), List.of(Pattern.compile("x")), Double.NaN, Double.NaN, Map.of())));
        TestInlet in = new TestInlet();
        for (int i = 1; i <= 8; i++) {
            b.offer(in, "d", r(i), 40);
        }
        b.offer(in, "d", r(9, "x", 1), 40);
        List<Drained> out = b.poll(100, NOW);
        BufferStats s = b.stats();
        assertThat(s.offered()).isEqualTo(9);
        assertThat(s.accepted()).isEqualTo(5);
        assertThat(s.filtered()).isEqualTo(1);
        assertThat(s.droppedNewest()).isEqualTo(3);
        assertThat(s.drained()).isEqualTo(5);
        assertThat(s.records()).isZero();
        assertThat(s.bytes()).isZero();
        assertThat(s.offered()).isEqualTo(s.accepted() + s.filtered() + s.dropped() + s.refusedFull());
        assertThat(out).hasSize(6);
    }
}
