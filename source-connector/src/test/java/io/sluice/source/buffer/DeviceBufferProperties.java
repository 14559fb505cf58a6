package io.sluice.source.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.frame.Reading;
import io.sluice.source.config.OverflowPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random interleavings of offers and polls against every policy: the bounds hold and every reading is accounted for once. */
class DeviceBufferProperties {

    record Op(boolean poll, int device, int size, int max) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> offer = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().between(1, 300))
                .as((d, s) -> new Op(false, d, s, 0));
        Arbitrary<Op> poll = Arbitraries.integers().between(1, 20).map(m -> new Op(true, 0, 0, m));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, offer), net.jqwik.api.Tuple.of(1, poll)).list().ofMaxSize(400);
    }

    @Property(tries = 300)
    void boundsAreNeverExceededAndEveryReadingIsAccountedForExactlyOnce(@ForAll("ops") List<Op> ops,
            @ForAll @IntRange(min = 1, max = 30) int maxRecords, @ForAll @IntRange(min = 300, max = 3000) int maxBytes,
            @ForAll OverflowPolicy policy, @ForAll boolean fair) throws Exception {
        Set<String> evicted = new HashSet<>();
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(maxRecords, maxBytes, policy).withFairShare(fair).withGapRecords(true),
                Clock.systemUTC(), (device, seqs, reason) -> {
                    for (long s : seqs) {
                        assertThat(evicted.add(device + "/" + s)).isTrue();
                    }
                });
        Map<Integer, Long> nextSeq = new HashMap<>();
        Set<String> drained = new HashSet<>();
        Set<String> droppedIncoming = new HashSet<>();
        Set<String> refused = new HashSet<>();
        long gapCount = 0;
        DeviceBufferTest.TestInlet inlet = new DeviceBufferTest.TestInlet();
        long offered = 0;
        for (Op op : ops) {
            if (op.poll()) {
                List<Drained> out = b.poll(op.max(), Duration.ZERO);
                assertThat(out.size()).isLessThanOrEqualTo(op.max());
                for (Drained d : out) {
                    if (d instanceof Drained.ReadingItem ri) {
                        for (long s : ri.seqs()) {
                            assertThat(drained.add(ri.device() + "/" + s)).isTrue();
                        }
                    } else {
                        gapCount += ((Drained.GapItem) d).gap().count();
                    }
                }
            } else {
                long seq = nextSeq.merge(op.device(), 1L, Long::sum);
                String id = "d" + op.device() + "/" + seq;
                Offer o = b.offer(inlet, "d" + op.device(), new Reading(seq, 1, "m", 1), op.size());
                offered++;
                switch (o) {
                    case DROPPED -> droppedIncoming.add(id);
                    case FULL -> {
                        refused.add(id);
                        assertThat(policy).isEqualTo(OverflowPolicy.BLOCK);
                    }
                    case ACCEPTED -> {
                    }
                    default -> throw new AssertionError("unexpected " + o);
                }
            }
            BufferStats s = b.stats();
            assertThat(s.records()).isBetween(0L, (long) maxRecords);
            assertThat(s.bytes()).isBetween(0L, (long) maxBytes);
            assertThat(s.peakRecords()).isLessThanOrEqualTo(maxRecords);
            assertThat(s.peakBytes()).isLessThanOrEqualTo(maxBytes);
        }
        // drain what is left (gaps included)
        List<Drained> rest;
        while (!(rest = b.poll(1000, Duration.ZERO)).isEmpty()) {
            for (Drained d : rest) {
                if (d instanceof Drained.ReadingItem ri) {
                    for (long s : ri.seqs()) {
                        assertThat(drained.add(ri.device() + "/" + s)).isTrue();
                    }
                } else {
                    gapCount += ((Drained.GapItem) d).gap().count();
                }
            }
        }
        BufferStats s = b.stats();
        // every offered reading is in exactly one place
        Set<String> all = new HashSet<>();
        for (Set<String> part : List.of(drained, droppedIncoming, refused, evicted)) {
            for (String id : part) {
                assertThat(all.add(id)).as("%s accounted twice", id).isTrue();
            }
        }
        assertThat((long) all.size()).isEqualTo(offered);
        assertThat(s.offered()).isEqualTo(offered);
        assertThat(s.dropped()).isEqualTo(droppedIncoming.size() + evicted.size());
        assertThat(gapCount).isEqualTo(s.dropped());
        assertThat(s.refusedFull()).isEqualTo(refused.size());
        assertThat(s.drained()).isEqualTo(drained.size());
        long perDevice = b.dropsByDevice().values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
        assertThat(perDevice).isEqualTo(s.dropped());
        if (policy == OverflowPolicy.BLOCK) {
            assertThat(s.dropped()).isZero();
        }
    }

    @Property(tries = 100)
    void aDeviceNeverWaitsMoreThanOneRoundBehindAnother(@ForAll @IntRange(min = 1, max = 50) int chatty,
            @ForAll @IntRange(min = 1, max = 5) int quiet, @ForAll @IntRange(min = 1, max = 10) int batch) throws Exception {
        DeviceBuffer b = new DeviceBuffer(BufferSettings.of(1000, 1 << 20, OverflowPolicy.BLOCK));
        DeviceBufferTest.TestInlet in = new DeviceBufferTest.TestInlet();
        for (int i = 1; i <= chatty; i++) {
            b.offer(in, "chatty", new Reading(i, 1, "m", 1), 10);
        }
        for (int i = 1; i <= quiet; i++) {
            b.offer(in, "quiet", new Reading(i, 1, "m", 1), 10);
        }
        // round-robin: the quiet device's k-th reading leaves within the first 2k records
        int position = 0;
        int quietSeen = 0;
        List<Drained> out;
        while (!(out = b.poll(batch, Duration.ZERO)).isEmpty()) {
            for (Drained d : out) {
                position++;
                if (d.device().equals("quiet")) {
                    quietSeen++;
                    assertThat(position).isLessThanOrEqualTo(2 * quietSeen);
                }
            }
        }
        assertThat(quietSeen).isEqualTo(quiet);
    }
}
