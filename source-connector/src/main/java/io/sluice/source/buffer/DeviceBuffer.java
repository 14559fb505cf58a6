package io.sluice.source.buffer;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.source.config.AggregateFunction;
import io.sluice.source.config.OverflowPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded, fair buffer between device connections and Connect's {@code poll()}: readings
 * from many devices wait here, bounded by records <em>and</em> bytes, until the task hands
 * them to Kafka.
 *
 * <ul>
 *   <li>{@link #offer} never blocks (it runs on network threads). A reading that does not fit
 *       meets its device's {@link OverflowPolicy}: {@code block} refuses it with
 *       {@link Offer#FULL} and calls the inlet back once the buffer is below its low watermark;
 *       {@code drop_oldest} evicts the device's own oldest reading; {@code drop_newest} drops
 *       the incoming one. Every drop is counted by device and reason and, if asked, reported as
 *       a gap.</li>
 *   <li>Fairness: above the low watermark a device holding more than its share (capacity over
 *       devices present) cannot add more, and {@link #poll} takes one record per device in
 *       turn, so one chatty device cannot starve the others.</li>
 *   <li>Filters and pre-aggregation happen here, before anything reaches Kafka.</li>
 *   <li>{@link #poll} returns at most {@code max} items, waits at most its timeout, never spins;
 *       a failure reported by {@link #fail} is rethrown from it; {@link #close} wakes it.</li>
 * </ul>
 *
 * Thread-safe. Events are reported through {@link Events}, inside the lock: keep them short.
 */
public final class DeviceBuffer {

    /** Callbacks for readings leaving the buffer other than through {@link #poll}. */
    public interface Events {
        Events NONE = (device, seqs, reason) -> {
        };

        /** Buffered readings of {@code device} were evicted (drop_oldest). Called inside the buffer's lock. */
        void evicted(String device, long[] seqs, DropReason reason);
    }

    private final BufferSettings settings;
    private final Clock clock;
    private final Events events;
    private final long lowRecords;
    private final long lowBytes;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();

    private final Map<String, DeviceQueue> queues = new HashMap<>();
    private final ArrayDeque<DeviceQueue> rotation = new ArrayDeque<>();
    private final Map<Inlet, Boolean> blocked = new LinkedHashMap<>();
    private final Map<GapKey, GapAcc> gaps = new LinkedHashMap<>();
    private final Map<String, EnumMap<DropReason, Long>> dropsByDevice = new HashMap<>();

    private long records;
    private long bytes;
    private long peakRecords;
    private long peakBytes;
    private long offered;
    private long accepted;
    private long folded;
    private long filtered;
    private long drained;
    private long recordsDrained;
    private long droppedOldest;
    private long droppedNewest;
    private long refusedFull;
    private long gapsDrained;
    private int pollWaiters;
    private boolean woken;
    private boolean closed;
    private BufferFailedException failure;

    public DeviceBuffer(BufferSettings settings, Clock clock, Events events) {
        this.settings = settings;
        this.clock = clock;
        this.events = events == null ? Events.NONE : events;
        this.lowRecords = Math.max(0, settings.lowRecords());
        this.lowBytes = Math.max(0, settings.lowBytes());
    }

    public DeviceBuffer(BufferSettings settings) {
        this(settings, Clock.systemUTC(), Events.NONE);
    }

    public BufferSettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ offer

    /**
     * Offers one reading of {@code device}, whose encoded size is {@code size} bytes. Never
     * blocks. On {@link Offer#FULL} the inlet is remembered and called back once.
     */
    public Offer offer(Inlet inlet, String device, Reading reading, int size) {
        lock.lock();
        try {
            if (closed || failure != null) {
                return Offer.CLOSED;
            }
            offered++;
            if (!settings.filter().isNone() && !settings.filter().keep(reading)) {
                filtered++;
                return Offer.FILTERED;
            }
            DeviceQueue q = queues.get(device);
            if (q == null) {
                q = new DeviceQueue(device, settings.policy().apply(device));
                queues.put(device, q);
            }
            try {
                return place(q, inlet, reading, size);
            } finally {
                if (q.entries.isEmpty() && !q.queued) {
                    queues.remove(device);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private Offer place(DeviceQueue q, Inlet inlet, Reading reading, int size) {
        Aggregation agg = settings.aggregation();
        boolean aggregate = agg != null && agg.applies(reading.metric());
        long now = aggregate ? clock.millis() : 0L;
        long windowEnd = aggregate ? (Math.floorDiv(now, agg.interval().toMillis()) + 1) * agg.interval().toMillis() : 0L;
        while (true) {
            Entry open = aggregate ? q.open.get(reading.metric()) : null;
            if (open != null && open.readyAt != windowEnd) {
                // the window of that aggregate has passed: it stays queued, closed, and a new one opens
                q.open.remove(reading.metric());
                open = null;
            }
            int addRecords = open != null ? 0 : 1;
            long addBytes = open != null ? Long.BYTES : size + (aggregate ? Long.BYTES : 0);
            if (admit(q, addRecords, addBytes)) {
                if (open != null) {
                    open.agg.fold(reading);
                    open.bytes += addBytes;
                    q.bytes += addBytes;
                    bytes += addBytes;
                    folded++;
                } else {
                    Entry e = new Entry(reading, inlet.label(), inlet.sequenced(), (int) addBytes);
                    if (aggregate) {
                        e.agg = new Agg(reading);
                        e.readyAt = windowEnd;
                        q.open.put(reading.metric(), e);
                    }
                    q.entries.addLast(e);
                    q.bytes += addBytes;
                    records++;
                    bytes += addBytes;
                    if (!q.queued) {
                        q.queued = true;
                        rotation.addLast(q);
                    }
                    if (pollWaiters > 0) {
                        readable.signal();
                    }
                }
                accepted++;
                peakRecords = Math.max(peakRecords, records);
                peakBytes = Math.max(peakBytes, bytes);
                return open != null ? Offer.AGGREGATED : Offer.ACCEPTED;
            }
            switch (q.policy) {
                case BLOCK -> {
                    refusedFull++;
                    blocked.put(inlet, Boolean.TRUE);
                    return Offer.FULL;
                }
                case DROP_NEWEST -> {
                    dropIncoming(q.device, reading, DropReason.DROP_NEWEST);
                    return Offer.DROPPED;
                }
                case DROP_OLDEST -> {
                    if (q.entries.isEmpty()) {
                        // nothing of its own left to evict: the incoming reading is its oldest
                        dropIncoming(q.device, reading, DropReason.DROP_OLDEST);
                        return Offer.DROPPED;
                    }
                    evictOldest(q);
                }
            }
        }
    }

    private boolean admit(DeviceQueue q, int addRecords, long addBytes) {
        if (records + addRecords > settings.maxRecords() || bytes + addBytes > settings.maxBytes()) {
            return false;
        }
        if (settings.fairShare() && (records > lowRecords || bytes > lowBytes)) {
            // the offering device is in the map already: it counts as present
            int devices = Math.max(1, queues.size());
            long shareRecords = Math.max(1, settings.maxRecords() / devices);
            long shareBytes = Math.max(1, settings.maxBytes() / devices);
            return q.entries.size() + addRecords <= shareRecords && q.bytes + addBytes <= shareBytes;
        }
        return true;
    }

    private void evictOldest(DeviceQueue q) {
        Entry e = q.entries.pollFirst();
        if (e.agg != null) {
            q.open.remove(e.reading.metric(), e);
        }
        records--;
        bytes -= e.bytes;
        q.bytes -= e.bytes;
        long[] seqs = e.seqs();
        int n = e.agg != null ? (int) e.agg.count : 1;
        countDrop(q.device, DropReason.DROP_OLDEST, n);
        droppedOldest += n;
        if (settings.gapRecords()) {
            long ts = e.firstTimestamp();
            if (seqs.length == 0) {
                gap(q.device, e.reading.metric(), 0, ts, DropReason.DROP_OLDEST, n);
            } else {
                for (long s : seqs) {
                    gap(q.device, e.reading.metric(), s, ts, DropReason.DROP_OLDEST, 1);
                }
                if (n > seqs.length) {
                    gap(q.device, e.reading.metric(), seqs[0], ts, DropReason.DROP_OLDEST, n - seqs.length);
                }
            }
        }
        events.evicted(q.device, seqs, DropReason.DROP_OLDEST);
    }

    private void dropIncoming(String device, Reading r, DropReason reason) {
        countDrop(device, reason, 1);
        if (reason == DropReason.DROP_OLDEST) {
            droppedOldest++;
        } else {
            droppedNewest++;
        }
        if (settings.gapRecords()) {
            gap(device, r.metric(), Math.max(0, r.seq()), r.timestampMs(), reason, 1);
        }
    }

    private void countDrop(String device, DropReason reason, long n) {
        dropsByDevice.computeIfAbsent(device, d -> new EnumMap<>(DropReason.class)).merge(reason, n, Long::sum);
    }

    private void gap(String device, String metric, long seq, long ts, DropReason reason, long count) {
        GapAcc g = gaps.computeIfAbsent(new GapKey(device, metric, reason), k -> new GapAcc(seq, ts));
        g.first = Math.min(g.first, seq);
        g.last = Math.max(g.last, seq);
        g.ts = Math.min(g.ts, ts);
        g.count += count;
        if (pollWaiters > 0) {
            readable.signal();
        }
    }

    // ------------------------------------------------------------------ poll

    /**
     * Takes up to {@code max} items, gap reports first, then one record per device in turn.
     * Waits up to {@code timeout} when there is nothing to take; returns an empty list then, or
     * at once after {@link #close}.
     *
     * @throws BufferFailedException after {@link #fail}
     */
    public List<Drained> poll(int max, Duration timeout) throws InterruptedException {
        List<Inlet> wake = null;
        List<Drained> out;
        lock.lockInterruptibly();
        try {
            long nanos = timeout.toNanos();
            while (true) {
                if (failure != null) {
                    throw failure;
                }
                if (closed) {
                    return List.of();
                }
                out = drain(max);
                if (!out.isEmpty() || nanos <= 0 || woken) {
                    woken = false;
                    break;
                }
                long waitNanos = nanos;
                long next = nextReadyAt();
                if (next != Long.MAX_VALUE) {
                    waitNanos = Math.min(waitNanos, TimeUnit.MILLISECONDS.toNanos(Math.max(1, next - clock.millis())));
                }
                pollWaiters++;
                long before = System.nanoTime();
                try {
                    readable.awaitNanos(waitNanos);
                } finally {
                    pollWaiters--;
                }
                nanos -= System.nanoTime() - before;
            }
            if (!blocked.isEmpty() && records <= lowRecords && bytes <= lowBytes) {
                wake = new ArrayList<>(blocked.keySet());
                blocked.clear();
            }
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            wake.forEach(Inlet::onSpace);
        }
        return out;
    }

    private List<Drained> drain(int max) {
        List<Drained> out = new ArrayList<>(Math.min(max, (int) Math.min(records + gaps.size(), 4096)));
        Iterator<Map.Entry<GapKey, GapAcc>> gi = gaps.entrySet().iterator();
        while (out.size() < max && gi.hasNext()) {
            Map.Entry<GapKey, GapAcc> g = gi.next();
            GapKey k = g.getKey();
            GapAcc a = g.getValue();
            out.add(new Drained.GapItem(new Gap(k.device, k.metric, a.first, a.last, a.count, k.reason.label(), a.ts)));
            gapsDrained++;
            gi.remove();
        }
        long now = settings.aggregation() != null ? clock.millis() : 0L;
        int skipped = 0;
        while (out.size() < max && !rotation.isEmpty() && skipped < rotation.size()) {
            DeviceQueue q = rotation.pollFirst();
            Entry e = q.entries.peekFirst();
            if (e == null) {
                q.queued = false;
                queues.remove(q.device);
                continue;
            }
            if (e.agg != null && e.readyAt > now) {
                rotation.addLast(q);
                skipped++;
                continue;
            }
            skipped = 0;
            q.entries.pollFirst();
            if (e.agg != null) {
                q.open.remove(e.reading.metric(), e);
            }
            records--;
            bytes -= e.bytes;
            q.bytes -= e.bytes;
            long offsetSeq = e.reading.seq();
            if (e.agg != null) {
                // aggregates leave in window order, not seq order: never claim a seq still buffered
                long remainingMin = Long.MAX_VALUE;
                for (Entry r : q.entries) {
                    remainingMin = Math.min(remainingMin, r.minSeq());
                }
                offsetSeq = e.agg.lastSeq == Reading.NO_SEQ ? Reading.NO_SEQ
                        : remainingMin == Long.MAX_VALUE ? e.agg.maxSeq() : Math.min(e.agg.maxSeq(), remainingMin - 1);
            }
            Drained.ReadingItem item = e.toItem(q.device, settings.aggregation(), offsetSeq);
            drained += e.agg != null ? e.agg.count : 1;
            recordsDrained++;
            out.add(item);
            if (q.entries.isEmpty()) {
                q.queued = false;
                queues.remove(q.device);
            } else {
                rotation.addLast(q);
            }
        }
        return out;
    }

    private long nextReadyAt() {
        long next = Long.MAX_VALUE;
        for (DeviceQueue q : rotation) {
            Entry e = q.entries.peekFirst();
            if (e != null && e.agg != null) {
                next = Math.min(next, e.readyAt);
            }
        }
        return next;
    }

    // ------------------------------------------------------------------ failure and close

    /** Keeps {@code cause}; the next {@link #poll} throws it. Wakes a waiting poll. */
    public void fail(String message, Throwable cause, boolean retriable) {
        lock.lock();
        try {
            if (failure == null) {
                failure = new BufferFailedException(message, cause, retriable);
            }
            blocked.clear();
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes the current (or next) {@link #poll} return at once, with what it has: the task has
     * other records to hand to Connect (file chunks).
     */
    public void wakeup() {
        lock.lock();
        try {
            woken = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking readings, drops what is held (never acknowledged: devices resend it) and wakes every wait. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            blocked.clear();
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets a blocked inlet (its connection closed). */
    public void forget(Inlet inlet) {
        lock.lock();
        try {
            blocked.remove(inlet);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ state

    public BufferStats stats() {
        lock.lock();
        try {
            return new BufferStats(records, bytes, settings.maxRecords(), settings.maxBytes(), peakRecords, peakBytes, offered, accepted,
                    folded, filtered, drained, recordsDrained, droppedOldest, droppedNewest, refusedFull, gapsDrained, queues.size(),
                    blocked.size());
        } finally {
            lock.unlock();
        }
    }

    /** Readings dropped so far, by device and reason. */
    public Map<String, Map<DropReason, Long>> dropsByDevice() {
        lock.lock();
        try {
            Map<String, Map<DropReason, Long>> m = new HashMap<>();
            dropsByDevice.forEach((d, r) -> m.put(d, new EnumMap<>(r)));
            return m;
        } finally {
            lock.unlock();
        }
    }

    /** How many devices have dropped readings so far (cheap: tells when per-device metrics need registering). */
    public int devicesWithDrops() {
        lock.lock();
        try {
            return dropsByDevice.size();
        } finally {
            lock.unlock();
        }
    }

    /** Readings of {@code device} dropped for {@code reason} so far. */
    public long drops(String device, DropReason reason) {
        lock.lock();
        try {
            EnumMap<DropReason, Long> r = dropsByDevice.get(device);
            return r == null ? 0 : r.getOrDefault(reason, 0L);
        } finally {
            lock.unlock();
        }
    }

    /** Records held for {@code device} now. */
    public int records(String device) {
        lock.lock();
        try {
            DeviceQueue q = queues.get(device);
            return q == null ? 0 : q.entries.size();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ internals

    private static final class DeviceQueue {
        final String device;
        final OverflowPolicy policy;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        final Map<String, Entry> open = new HashMap<>(4);
        long bytes;
        boolean queued;

        DeviceQueue(String device, OverflowPolicy policy) {
            this.device = device;
            this.policy = policy;
        }
    }

    private static final class Entry {
        final Reading reading;
        final String connection;
        final boolean sequenced;
        int bytes;
        Agg agg;
        long readyAt;

        Entry(Reading reading, String connection, boolean sequenced, int bytes) {
            this.reading = reading;
            this.connection = connection;
            this.sequenced = sequenced;
            this.bytes = bytes;
        }

        /** Smallest seq this entry stands for, or Long.MAX_VALUE. */
        long minSeq() {
            if (agg != null) {
                return agg.nSeqs == 0 ? Long.MAX_VALUE : agg.seqs[0];
            }
            return reading.seq() == Reading.NO_SEQ ? Long.MAX_VALUE : reading.seq();
        }

        long[] seqs() {
            if (agg != null) {
                return Arrays.copyOf(agg.seqs, agg.nSeqs);
            }
            return reading.seq() == Reading.NO_SEQ ? new long[0] : new long[] {reading.seq()};
        }

        long firstTimestamp() {
            return reading.timestampMs();
        }

        Drained.ReadingItem toItem(String device, Aggregation aggregation, long offsetSeq) {
            if (agg == null) {
                return new Drained.ReadingItem(device, reading, connection, seqs(), false, sequenced, offsetSeq);
            }
            return new Drained.ReadingItem(device, agg.toReading(aggregation.function()), connection, seqs(), true, sequenced,
                    offsetSeq);
        }
    }

    /** Running figures of one pre-aggregate; the folded seqs are kept to acknowledge them once it is in Kafka. */
    private static final class Agg {
        final String metric;
        long count;
        double sum;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double last;
        long lastTs;
        long lastSeq = Reading.NO_SEQ;
        long firstSeq = Reading.NO_SEQ;
        Map<String, String> tags;
        long[] seqs = new long[4];
        int nSeqs;

        Agg(Reading first) {
            this.metric = first.metric();
            fold(first);
        }

        void fold(Reading r) {
            count++;
            double v = r.value();
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            last = v;
            lastTs = r.timestampMs();
            tags = r.tags();
            if (r.seq() != Reading.NO_SEQ) {
                if (nSeqs == seqs.length) {
                    seqs = Arrays.copyOf(seqs, nSeqs * 2);
                }
                seqs[nSeqs++] = r.seq();
                lastSeq = r.seq();
                if (firstSeq == Reading.NO_SEQ) {
                    firstSeq = r.seq();
                }
            }
        }

        long maxSeq() {
            long m = Reading.NO_SEQ;
            for (int i = 0; i < nSeqs; i++) {
                m = Math.max(m, seqs[i]);
            }
            return m;
        }

        Reading toReading(AggregateFunction fn) {
            double value = switch (fn) {
                case COUNT -> count;
                case SUM -> sum;
                case MIN -> min;
                case MAX -> max;
                case LAST -> last;
                case AVG -> sum / count;
            };
            Map<String, String> t = new LinkedHashMap<>(tags);
            t.put("agg", fn.name().toLowerCase(Locale.ROOT));
            t.put("agg_count", Long.toString(count));
            t.put("agg_sum", Double.toString(sum));
            t.put("agg_min", Double.toString(min));
            t.put("agg_max", Double.toString(max));
            t.put("agg_last", Double.toString(last));
            if (firstSeq != Reading.NO_SEQ) {
                t.put("agg_first_seq", Long.toString(firstSeq));
            }
            return new Reading(lastSeq, lastTs, metric, value, t);
        }
    }

    private record GapKey(String device, String metric, DropReason reason) {
    }

    private static final class GapAcc {
        long first;
        long last;
        long ts;
        long count;

        GapAcc(long seq, long ts) {
            this.first = seq;
            this.last = seq;
            this.ts = ts;
        }
    }
}
