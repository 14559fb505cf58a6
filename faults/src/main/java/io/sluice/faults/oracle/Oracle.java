package io.sluice.faults.oracle;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Counts every reading of a run from the devices to the peers and says what is missing, what
 * is there twice and whether the Streams app's windows are what the readings topic implies.
 * Fed with plain values (what the devices report, the records of the topics, the records each
 * peer wrote); knows nothing about Kafka, so it is tested without it.
 *
 * <p>Per device: seqs sent and acknowledged (from the device clients), present in the readings
 * topic (gaps, duplicate copies), dropped as late by the Streams app, counted in final windows.
 * Per peer: final aggregates of the aggregates topic it did not receive (by partition and
 * offset), and those it received twice. The aggregates are recomputed from the readings topic
 * (tumbling windows, late readings left out) and compared with the final windows emitted: with
 * {@code exactly_once_v2} they must be equal; with {@code at_least_once} the over-count is
 * reported.
 *
 * <p>Closing per device ({@link #closingPerDevice}), the recomputation follows the app's rule
 * itself: walking each device's copies in topic order, a copy whose window end plus the device
 * grace is at or before the device's time so far is late, whatever the app said. The app's late
 * copies beyond those were closed by stream time (the max-behind bound) or by idle close, which
 * depend on the partition and the wall clock: they are left out too, and counted apart.
 */
public final class Oracle {
    private final long windowSizeMs;
    private final Map<String, Sent> sent = new TreeMap<>();
    private final Map<String, Map<Long, Integer>> copies = new HashMap<>();
    /** Late copies per (device, seq): with an at-least-once source one copy of a seq can be on time and its replay late. */
    private final Map<String, Map<Long, Integer>> late = new HashMap<>();
    private final List<DeviceReading> readings = new ArrayList<>();
    private final Map<String, Emitted> finals = new HashMap<>();
    /** (partition@offset) of every final window of ours read from the topic, repeated ones included. */
    private final Set<String> inTopic = new HashSet<>();
    private final Map<String, Long> repeatedFinals = new HashMap<>();
    private final Map<String, Map<String, Integer>> delivered = new TreeMap<>();
    private final Map<String, Long> unreadable = new TreeMap<>();
    private final java.util.function.Predicate<String> ours;
    /** Closing per device: the device grace; negative when the app closes by stream time. */
    private long deviceGraceMs = -1;

    /**
     * @param windowSizeMs tumbling window size of the Streams app
     * @param devicePrefix only devices whose id starts with this are counted (a run's own devices)
     */
    public Oracle(long windowSizeMs, String devicePrefix) {
        this.windowSizeMs = windowSizeMs;
        this.ours = d -> d.startsWith(devicePrefix);
    }

    /** The app closes windows per device with this device grace ({@code window.device.grace.ms}). */
    public Oracle closingPerDevice(long deviceGraceMs) {
        this.deviceGraceMs = deviceGraceMs;
        return this;
    }

    /** What one device generated ({@code first..last}) and had acknowledged (up to {@code lastAcked}; -1 none). */
    public record Sent(String device, long first, long last, long lastAcked) {
        long sentCount() {
            return last >= first ? last - first + 1 : 0;
        }

        long ackedCount() {
            return lastAcked >= first ? lastAcked - first + 1 : 0;
        }
    }

    private record Emitted(int partition, long offset, Aggregate aggregate) {
    }

    public void sent(String device, long first, long last, long lastAcked) {
        sent.put(device, new Sent(device, first, last, lastAcked));
    }

    /** A reading record of the readings topic (read committed). */
    public void reading(DeviceReading r) {
        if (!ours.test(r.device())) {
            return;
        }
        readings.add(r);
        copies.computeIfAbsent(r.device(), k -> new HashMap<>()).merge(r.reading().seq(), 1, Integer::sum);
    }

    /** A reading the Streams app sent to its late topic (after the grace of its window). */
    public void late(DeviceReading r) {
        if (ours.test(r.device())) {
            late.computeIfAbsent(r.device(), k -> new HashMap<>()).merge(r.reading().seq(), 1, Integer::sum);
        }
    }

    /** A record of the aggregates topic; only final windows count, the last one of a key wins. */
    public void aggregate(int partition, long offset, Aggregate a) {
        if (!a.isFinal() || !ours.test(a.device())) {
            return;
        }
        inTopic.add(partition + "@" + offset);
        Emitted before = finals.put(a.key(), new Emitted(partition, offset, a));
        if (before != null) {
            repeatedFinals.merge(a.key(), 1L, Long::sum);
        }
    }

    /** A record one peer wrote (its (partition, offset) in the aggregates topic). */
    public void delivered(String peer, int partition, long offset, Aggregate a) {
        Map<String, Integer> ids = delivered.computeIfAbsent(peer, k -> new HashMap<>());
        if (a != null && (!a.isFinal() || !ours.test(a.device()))) {
            return;
        }
        ids.merge(partition + "@" + offset, 1, Integer::sum);
    }

    /** A peer output line that could not be read. */
    public void unreadable(String peer) {
        delivered.computeIfAbsent(peer, k -> new HashMap<>());
        unreadable.merge(peer, 1L, Long::sum);
    }

    /** Registers a peer that may have received nothing. */
    public void peer(String peer) {
        delivered.computeIfAbsent(peer, k -> new HashMap<>());
    }

    /** One device's line of the verdict. */
    public record DeviceLine(String device, long sent, long acked, long inTopic, long gaps, long duplicates, long lost,
            long late, long counted) {
    }

    /**
     * One peer's line: final windows of the topic it should have, missing, received twice, unreadable lines, and
     * {@code notCommitted}: final windows it received that are no committed record of the topic (an aborted
     * transaction's records, for one); a final window emitted again by an at_least_once app is in the topic.
     */
    public record PeerLine(String peer, long expected, long delivered, long missing, long duplicates, long unreadable,
            long countDelivered, long notCommitted) {
    }

    /** A window whose emitted final differs from the recomputation. */
    public record WindowDiff(String key, long emittedCount, long recomputedCount, String what) {
    }

    /**
     * The whole account.
     *
     * @param late            copies of the readings topic the Streams app sent to its late topic
     * @param lateRepeated    records of the late topic beyond the copies of their seq in the readings topic (the app
     *                        wrote them again: at_least_once after a crash)
     * @param repeatedFinals  final windows emitted more than once (the last one is used)
     * @param overCount       readings counted by emitted windows beyond the recomputation (summed over windows)
     * @param underCount      readings the recomputation has beyond the emitted windows
     * @param windowsMissing  recomputed windows with no final emitted (still open, or lost)
     * @param lateByDevice    closing per device: copies the rule makes late (their device had passed their window)
     * @param lateOtherwise   closing per device: the app's late copies the device rule does not explain (closed by
     *                        stream time at the max-behind bound, or by idle close)
     */
    public record Verdict(List<DeviceLine> devices, List<PeerLine> peers, long sent, long acked, long inTopic, long gaps,
            long duplicates, long lost, long late, long lateRepeated, long counted, long windows, long recomputedWindows, long repeatedFinals,
            long overCount, long underCount, long windowsMissing, List<WindowDiff> diffs, long lateByDevice, long lateOtherwise) {

        /** Nothing acknowledged is missing, and every final window reached every peer. */
        public boolean nothingLost() {
            return lost == 0 && peers.stream().allMatch(p -> p.missing() == 0);
        }

        /** Every copy in the readings topic is counted once: in a final window or as late. */
        public boolean everyReadingCounted() {
            return counted + late == inTopic + duplicates && windowsMissing == 0;
        }

        /** The emitted final windows equal the recomputation from the readings topic. */
        public boolean windowsExact() {
            return diffs.isEmpty() && windowsMissing == 0;
        }

        public long peerDuplicates() {
            return peers.stream().mapToLong(PeerLine::duplicates).sum();
        }

        public long peerMissing() {
            return peers.stream().mapToLong(PeerLine::missing).sum();
        }

        public long peerNotCommitted() {
            return peers.stream().mapToLong(PeerLine::notCommitted).sum();
        }
    }

    public Verdict verdict() {
        List<DeviceLine> lines = new ArrayList<>();
        Map<String, Long> countedByDevice = new HashMap<>();
        for (Emitted e : finals.values()) {
            countedByDevice.merge(e.aggregate().device(), e.aggregate().count(), Long::sum);
        }
        Set<String> devices = new TreeSet<>(sent.keySet());
        devices.addAll(copies.keySet());
        long tSent = 0, tAcked = 0, tIn = 0, tGaps = 0, tDup = 0, tLost = 0, tLate = 0, tLateRepeated = 0, tCounted = 0;
        for (String d : devices) {
            Sent s = sent.getOrDefault(d, new Sent(d, 1, 0, -1));
            Map<Long, Integer> have = copies.getOrDefault(d, Map.of());
            long dup = have.values().stream().mapToLong(n -> n - 1).sum();
            long gaps = 0;
            long lost = 0;
            for (long seq = s.first(); seq <= s.last(); seq++) {
                if (!have.containsKey(seq)) {
                    gaps++;
                    if (seq <= s.lastAcked()) {
                        lost++;
                    }
                }
            }
            // a late copy is one of the topic's copies of that seq; records beyond them are the app's own
            // repeats (at_least_once writes the late record again when it reprocesses after a crash)
            long lateN = 0;
            for (Map.Entry<Long, Integer> e : late.getOrDefault(d, Map.of()).entrySet()) {
                int inTopicCopies = have.getOrDefault(e.getKey(), 0);
                lateN += Math.min(e.getValue(), inTopicCopies);
                tLateRepeated += Math.max(0, e.getValue() - inTopicCopies);
            }
            long counted = countedByDevice.getOrDefault(d, 0L);
            lines.add(new DeviceLine(d, s.sentCount(), s.ackedCount(), have.size(), gaps, dup, lost, lateN, counted));
            tSent += s.sentCount();
            tAcked += s.ackedCount();
            tIn += have.size();
            tGaps += gaps;
            tDup += dup;
            tLost += lost;
            tLate += lateN;
            tCounted += counted;
        }

        // recompute the windows from the readings topic, every copy as the Streams app sees it, late copies left out
        // (copies of a seq are equal, so which of them was the late one does not matter; records of the late
        // topic beyond the copies in the readings topic leave nothing more out)
        Map<String, Map<Long, Integer>> lateLeft = new HashMap<>();
        late.forEach((d, bySeq) -> lateLeft.put(d, new HashMap<>(bySeq)));
        Map<String, Recomputed> recomputed = new HashMap<>();
        Map<String, Long> deviceTime = new HashMap<>();
        long lateByDevice = 0;
        long lateOtherwise = 0;
        for (DeviceReading r : readings) {
            Reading x = r.reading();
            long start = Math.floorDiv(x.timestampMs(), windowSizeMs) * windowSizeMs;
            Map<Long, Integer> lateOfDevice = lateLeft.get(r.device());
            boolean appLate = lateOfDevice != null && lateOfDevice.getOrDefault(x.seq(), 0) > 0;
            if (appLate) {
                lateOfDevice.merge(x.seq(), -1, Integer::sum);
            }
            if (deviceGraceMs >= 0) {
                long time = Math.max(deviceTime.getOrDefault(r.device(), Long.MIN_VALUE), x.timestampMs());
                deviceTime.put(r.device(), time);
                if (start + windowSizeMs + deviceGraceMs <= time) {
                    lateByDevice++; // late by the rule; had the app counted it, its window differs below
                    continue;
                }
                if (appLate) {
                    lateOtherwise++;
                }
            }
            if (appLate) {
                continue;
            }
            recomputed.computeIfAbsent(Aggregate.key(r.device(), x.metric(), Map.of(), start), k -> new Recomputed())
                    .add(x.value());
        }
        List<WindowDiff> diffs = new ArrayList<>();
        long over = 0;
        long under = 0;
        long missingWindows = 0;
        Set<String> keys = new TreeSet<>(recomputed.keySet());
        keys.addAll(finals.keySet());
        for (String k : keys) {
            Recomputed want = recomputed.get(k);
            Emitted got = finals.get(k);
            if (got == null) {
                missingWindows++;
                under += want.count;
                diffs.add(new WindowDiff(k, 0, want.count, "no final window emitted"));
                continue;
            }
            Aggregate a = got.aggregate();
            long wantCount = want == null ? 0 : want.count;
            if (a.count() != wantCount) {
                if (a.count() > wantCount) {
                    over += a.count() - wantCount;
                } else {
                    under += wantCount - a.count();
                }
                diffs.add(new WindowDiff(k, a.count(), wantCount, "count"));
            } else if (want != null && !(close(a.sum(), want.sum) && close(a.min(), want.min) && close(a.max(), want.max))) {
                diffs.add(new WindowDiff(k, a.count(), wantCount, "sum/min/max " + a.sum() + "/" + a.min() + "/" + a.max()
                        + " vs " + want.sum + "/" + want.min + "/" + want.max));
            }
        }

        // the peers: every final window record of the topic, by (partition, offset)
        Set<String> expectedIds = new HashSet<>();
        Map<String, Long> countById = new HashMap<>();
        for (Emitted e : finals.values()) {
            expectedIds.add(e.partition() + "@" + e.offset());
            countById.put(e.partition() + "@" + e.offset(), e.aggregate().count());
        }
        List<PeerLine> peers = new ArrayList<>();
        for (Map.Entry<String, Map<String, Integer>> p : delivered.entrySet()) {
            Map<String, Integer> ids = p.getValue();
            long missing = expectedIds.stream().filter(id -> !ids.containsKey(id)).count();
            long dup = ids.values().stream().mapToLong(n -> n - 1).sum();
            long countDelivered = ids.keySet().stream().mapToLong(id -> countById.getOrDefault(id, 0L)).sum();
            // a repeated final (at_least_once) is in the topic, if not the last of its key; an aborted one is not
            long notCommitted = ids.keySet().stream().filter(id -> !inTopic.contains(id)).count();
            peers.add(new PeerLine(p.getKey(), expectedIds.size(), ids.size() - notCommitted, missing, dup,
                    unreadable.getOrDefault(p.getKey(), 0L), countDelivered, notCommitted));
        }
        long repeated = repeatedFinals.values().stream().mapToLong(Long::longValue).sum();
        return new Verdict(lines, peers, tSent, tAcked, tIn, tGaps, tDup, tLost, tLate, tLateRepeated, tCounted, finals.size(),
                recomputed.size(),
                repeated, over, under, missingWindows, diffs, lateByDevice, lateOtherwise);
    }

    private static boolean close(Double emitted, double want) {
        if (emitted == null) {
            return false;
        }
        return Math.abs(emitted - want) <= 1e-9 * Math.max(1, Math.abs(want));
    }

    private static final class Recomputed {
        long count;
        double sum;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;

        void add(double v) {
            count++;
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
    }
}
