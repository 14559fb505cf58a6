package io.sluice.streams.topology;

import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.streams.AppRuntime;
import io.sluice.streams.StreamsAppMetrics;
import io.sluice.streams.backpressure.PartitionTimes;
import io.sluice.streams.config.EmitMode;
import io.sluice.streams.stats.Accumulator;
import io.sluice.streams.stats.SketchFactory;
import io.sluice.streams.stats.Statistic;
import io.sluice.streams.window.WindowSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Windowed aggregation per group key, with its own close logic instead of the DSL's
 * {@code windowedBy().aggregate().suppress()}, because it needs what those cannot give: late
 * readings routed to a topic and counted per key, gap records counted per window, completeness
 * fields on every aggregate, sessions that merge sketches, and idle close.
 *
 * <p>State (all RocksDB, changelogged, behind the record cache):
 * <ul>
 *   <li>{@value #WINDOWS_STORE}: {@link Accumulator}s. Time windows keep one per pane
 *   ({@link WindowSpec#paneMs}) and group, keyed {@code [pane start][group key]}: a reading
 *   updates one pane, a window is merged from its panes when it closes, and panes close in start
 *   order, so closing reads a prefix of the store. Sessions keep one per session, keyed
 *   {@code [len][group key][start]} (one key's sessions are one range);</li>
 *   <li>{@value #CLOSING_STORE} (sessions only): {@code [close time][session key]}, an index
 *   ordered by when each session closes, since a session's end moves as it grows;</li>
 *   <li>{@value #META_STORE}: the task's stream time (so a restart does not reopen closed
 *   windows) and the late count of each key.</li>
 * </ul>
 * Stream time is the largest event time seen by the task (the reading's own {@code ts}). A
 * window closes when stream time reaches {@link WindowSpec#closeTime}; a reading whose every
 * window is closed is late. The idle punctuator moves stream time on by wall-clock time when the
 * partition has had no records for {@code idle.close.ms} and is caught up.
 */
final class WindowAggregateProcessor implements Processor<Object, Object, Object, Object> {
    static final String WINDOWS_STORE = "sluice-windows";
    static final String CLOSING_STORE = "sluice-closing";
    static final String META_STORE = "sluice-meta";
    static final String LATE_HEADER = "sluice.late";
    static final String STREAM_TIME = "stream_time";
    static final String IDLE = "idle";

    private static final Bytes STREAM_TIME_KEY = Bytes.wrap(new byte[] {0});
    private static final byte LATE_PREFIX = 1;
    private static final byte[] EMPTY = new byte[0];
    /** Late counts are kept on the heap while this few keys have any (late readings are the exception). */
    private static final int LATE_HEAP_MAX_KEYS = 100_000;

    private final WindowSpec spec;
    private final List<Statistic> stats;
    private final EmitMode emit;
    private final SketchFactory sketches;
    private final String tag;
    private final String outputSink;
    private final String lateSink;
    private final long idleCloseMs;
    private final long idleCheckMs;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<Bytes, byte[]> windows;
    private KeyValueStore<Bytes, byte[]> closing;
    private KeyValueStore<Bytes, byte[]> meta;
    private StreamsAppMetrics metrics;
    private PartitionTimes times;
    private long streamTime;
    /** No window closes before this stream time (a lower bound, so closing scans only when something is due). */
    private long nextCloseTime;
    /** Start of the last time window closed (all windows starting at or before it are closed). */
    private long closedStart;
    private final long paneMs;
    private long lastRecordWall;
    private long lastAdvanceWall;
    /** Every key's late count while {@link #lateAllInHeap}; otherwise an LRU cache of the store. */
    private Map<String, Long> lateCounts;
    private boolean lateAllInHeap;
    /** The task's open panes, deserialized, mirroring the store (bounded; oldest dropped first). */
    private Map<Bytes, Accumulator> open;
    /** Whether {@link #open} holds every open window (nothing evicted): then a miss needs no store read. */
    private boolean openComplete;
    /** While {@link #openComplete}: the keys of the open panes by pane start, so closing reads no store. */
    private java.util.TreeMap<Long, List<Bytes>> paneIndex;
    private final int openMax;
    /** Panes on the heap across all tasks of the instance, bounded by {@link #openMax}. */
    private java.util.concurrent.atomic.AtomicLong heapPanes;

    /** {@code sketches} null when no percentile is configured; {@code lateSink} null to count late readings only. */
    WindowAggregateProcessor(WindowSpec spec, List<Statistic> stats, EmitMode emit, SketchFactory sketches, String tag,
            String outputSink, String lateSink, Duration idleClose, Duration idleCheck, int openMax) {
        this.openMax = openMax;
        this.spec = spec;
        this.paneMs = spec.isSession() ? 0 : spec.paneMs();
        this.stats = stats;
        this.emit = emit;
        this.sketches = sketches;
        this.tag = tag;
        this.outputSink = outputSink;
        this.lateSink = lateSink;
        this.idleCloseMs = idleClose.toMillis();
        this.idleCheckMs = idleCheck.toMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(WINDOWS_STORE);
        this.closing = spec.isSession() ? context.getStateStore(CLOSING_STORE) : null;
        this.meta = context.getStateStore(META_STORE);
        AppRuntime runtime = AppRuntime.from(context.appConfigs());
        this.metrics = runtime.metrics();
        this.times = runtime.times();
        if (open != null) {
            heapPanes.addAndGet(-open.size()); // re-initialised (revived) without a close
        }
        this.heapPanes = runtime.heapPanes();
        byte[] st = meta.get(STREAM_TIME_KEY);
        this.streamTime = st == null ? Long.MIN_VALUE : ByteBuffer.wrap(st).getLong();
        this.nextCloseTime = Long.MIN_VALUE; // unknown after a (re)start: the first check scans
        // every window emitted before a restart closed at or before the stored stream time
        this.closedStart = spec.isSession() || st == null ? Long.MIN_VALUE / 4
                : Math.floorDiv(streamTime - spec.sizeMs() - spec.graceMs(), spec.advanceMs()) * spec.advanceMs();
        this.lastRecordWall = context.currentSystemTimeMs();
        this.lastAdvanceWall = lastRecordWall;
        loadLateCounts();
        // insertion order: the oldest panes close first, so they are the ones to let go of
        this.open = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Bytes, Accumulator> eldest) {
                if (heapPanes.get() > openMax) {
                    heapPanes.decrementAndGet();
                    openComplete = false;
                    paneIndex = null;
                    return true;
                }
                return false;
            }
        };
        loadOpenWindows();
        if (idleCloseMs > 0) {
            context.schedule(Duration.ofMillis(idleCheckMs), PunctuationType.WALL_CLOCK_TIME, this::idleCheck);
        }
    }

    @Override
    public void close() {
        if (open != null) {
            heapPanes.addAndGet(-open.size());
            open.clear();
        }
    }

    @Override
    public void process(Record<Object, Object> record) {
        String groupKey = (String) record.key();
        Parsed parsed = (Parsed) record.value();
        TelemetryRecord r = parsed.record();
        long ts = GroupKey.eventTime(r, record.timestamp());
        long now = context.currentSystemTimeMs();
        lastRecordWall = now;
        lastAdvanceWall = now;
        if (ts > streamTime) {
            streamTime = ts;
        }
        boolean counted = spec.isSession() ? session(groupKey, r, ts, record.timestamp())
                : timeWindows(groupKey, r, ts, record.timestamp());
        if (!counted) {
            late(groupKey, parsed, record);
        }
        if (streamTime >= nextCloseTime) {
            closeDue(streamTime, STREAM_TIME, record.timestamp());
        }
    }

    /**
     * Stream time is stored whenever it closes a window (and on idle advances), not on every
     * record: what must survive a restart is that no closed window reopens, and every close
     * stores a stream time at or after that window's close time.
     */
    private void persistStreamTime() {
        meta.put(STREAM_TIME_KEY, ByteBuffer.allocate(8).putLong(streamTime).array());
    }

    private void closesAt(long closeTime) {
        if (closeTime < nextCloseTime) {
            nextCloseTime = closeTime;
        }
    }

    private static void apply(Accumulator acc, TelemetryRecord r, long ts) {
        if (r instanceof DeviceReading d) {
            acc.add(ts, d.reading().value());
        } else {
            acc.addGap(ts, ((Gap) r).count());
        }
    }

    /**
     * Time windows keep one accumulator per (pane, group): the reading updates its pane only,
     * and a window is the merge of its panes when it is emitted.
     */
    private boolean timeWindows(String groupKey, TelemetryRecord r, long ts, long outTs) {
        if (spec.closeTime(spec.lastStart(ts) + spec.sizeMs()) <= streamTime) {
            return false; // every window containing ts is closed
        }
        long pane = Math.floorDiv(ts, paneMs) * paneMs;
        byte[] group = groupKey.getBytes(StandardCharsets.UTF_8);
        Bytes pk = timeWindowKey(pane, group);
        Accumulator acc = open.get(pk);
        if (acc == null) {
            byte[] stored = openComplete ? null : windows.get(pk);
            if (stored == null) {
                acc = new Accumulator(pane, pane + paneMs, sketches);
                closesAt(spec.closeTime(Math.max(spec.firstStart(pane), closedStart + spec.advanceMs()) + spec.sizeMs()));
            } else {
                acc = Accumulator.fromBytes(stored, sketches);
            }
            heapPanes.incrementAndGet();
            open.put(pk, acc);
            if (paneIndex != null) {
                paneIndex.computeIfAbsent(pane, x -> new ArrayList<>()).add(pk);
            }
        }
        apply(acc, r, ts);
        windows.put(pk, acc.toBytes());
        if (emit == EmitMode.UPDATE) {
            for (long s = spec.lastStart(ts); s > ts - spec.sizeMs(); s -= spec.advanceMs()) {
                if (s > closedStart && spec.closeTime(s + spec.sizeMs()) > streamTime) {
                    emit(groupKey, paneMs == spec.sizeMs() ? acc : mergePanes(group, s), false, null, outTs);
                }
            }
        }
        return true;
    }

    private Accumulator pane(Bytes key) {
        Accumulator acc = open.get(key);
        if (acc != null || openComplete) {
            return acc;
        }
        byte[] stored = windows.get(key);
        return stored == null ? null : Accumulator.fromBytes(stored, sketches);
    }

    /** One group's window starting at {@code s}, merged from its panes. */
    private Accumulator mergePanes(byte[] group, long s) {
        Accumulator merged = new Accumulator(s, s + spec.sizeMs(), sketches);
        for (long q = s; q < s + spec.sizeMs(); q += paneMs) {
            Accumulator p = pane(timeWindowKey(q, group));
            if (p != null) {
                merged.merge(p);
            }
        }
        return merged;
    }

    private boolean session(String groupKey, TelemetryRecord r, long ts, long outTs) {
        if (spec.closeTime(ts) <= streamTime) {
            return false;
        }
        byte[] group = groupKey.getBytes(StandardCharsets.UTF_8);
        Accumulator merged = new Accumulator(ts, ts, sketches);
        apply(merged, r, ts);
        List<KeyValue<Bytes, Accumulator>> overlapping = new ArrayList<>(2);
        try (KeyValueIterator<Bytes, byte[]> it = windows.range(sessionKey(group, Long.MIN_VALUE),
                sessionKey(group, ts + spec.gapMs()))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                Accumulator a = Accumulator.fromBytes(kv.value, sketches);
                if (a.end() >= ts - spec.gapMs()) {
                    overlapping.add(KeyValue.pair(kv.key, a));
                }
            }
        }
        for (KeyValue<Bytes, Accumulator> kv : overlapping) {
            merged.merge(kv.value);
            windows.delete(kv.key);
            closing.delete(closingKey(spec.closeTime(kv.value.end()), kv.key));
        }
        merged.setBounds(merged.minTs(), merged.maxTs());
        Bytes wk = sessionKey(group, merged.start());
        windows.put(wk, merged.toBytes());
        closing.put(closingKey(spec.closeTime(merged.end()), wk), EMPTY);
        closesAt(spec.closeTime(merged.end()));
        if (emit == EmitMode.UPDATE) {
            emit(groupKey, merged, false, null, outTs);
        }
        return true;
    }

    private void late(String groupKey, Parsed parsed, Record<Object, Object> record) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(LATE_HEADER, ("stream time " + streamTime + ", grace " + spec.graceMs() + " ms")
                .getBytes(StandardCharsets.UTF_8));
        if (parsed.record() instanceof DeviceReading) {
            metrics.lateReading();
            Bytes k = lateKey(groupKey);
            long n = lateCount(groupKey) + 1;
            meta.put(k, ByteBuffer.allocate(8).putLong(n).array());
            lateCounts.put(groupKey, n);
            if (lateAllInHeap && lateCounts.size() > LATE_HEAP_MAX_KEYS) {
                useLateCache();
            }
        } else {
            metrics.lateGap();
        }
        if (lateSink != null) {
            byte[] device = parsed.record().device().getBytes(StandardCharsets.UTF_8);
            context.forward(new Record<Object, Object>(device, parsed.raw(), record.timestamp(), headers), lateSink);
        }
    }

    private long lateCount(String groupKey) {
        Long cached = lateCounts.get(groupKey);
        if (cached != null) {
            return cached;
        }
        if (lateAllInHeap) {
            return 0;
        }
        byte[] b = meta.get(lateKey(groupKey));
        long n = b == null ? 0 : ByteBuffer.wrap(b).getLong();
        lateCounts.put(groupKey, n);
        return n;
    }

    /** After a (re)start: the task's open time windows onto the heap, if they fit. */
    private void loadOpenWindows() {
        openComplete = false;
        paneIndex = null;
        if (spec.isSession() || openMax == 0) {
            return;
        }
        Map<Bytes, Accumulator> loaded = new java.util.HashMap<>();
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            while (it.hasNext()) {
                if (heapPanes.get() + loaded.size() >= openMax) {
                    return;
                }
                KeyValue<Bytes, byte[]> kv = it.next();
                loaded.put(kv.key, Accumulator.fromBytes(kv.value, sketches));
            }
        }
        heapPanes.addAndGet(loaded.size());
        open.putAll(loaded);
        paneIndex = new java.util.TreeMap<>();
        for (Bytes k : loaded.keySet()) {
            paneIndex.computeIfAbsent(decodeLong(k.get(), 0), x -> new ArrayList<>()).add(k);
        }
        openComplete = true;
    }

    /** Reads every key's late count into the heap, unless there are too many: then an LRU cache of the store. */
    private void loadLateCounts() {
        lateCounts = new java.util.HashMap<>();
        lateAllInHeap = true;
        try (KeyValueIterator<Bytes, byte[]> it = meta.range(Bytes.wrap(new byte[] {LATE_PREFIX}),
                Bytes.wrap(new byte[] {LATE_PREFIX + 1}))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (k.length == 0 || k[0] != LATE_PREFIX) {
                    continue;
                }
                if (lateCounts.size() >= LATE_HEAP_MAX_KEYS) {
                    useLateCache();
                    return;
                }
                lateCounts.put(new String(k, 1, k.length - 1, StandardCharsets.UTF_8), ByteBuffer.wrap(kv.value).getLong());
            }
        }
    }

    private void useLateCache() {
        lateAllInHeap = false;
        lateCounts = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > LATE_HEAP_MAX_KEYS;
            }
        };
    }

    /** Emits and removes every window whose close time is at or before {@code limit}. */
    private void closeDue(long limit, String closedBy, long outTs) {
        if (limit == Long.MAX_VALUE) {
            limit = Long.MAX_VALUE - 1;
        }
        if (spec.isSession()) {
            closeDueSessions(limit, closedBy, outTs);
        } else {
            closeDueTimeWindows(limit, closedBy, outTs);
        }
    }

    /**
     * Emits every time window that is due, in start order: the windows containing the earliest
     * remaining pane first, each merged from its panes; after window {@code s} the panes no later
     * window needs ({@code < s + advance}) are dropped. Panes are keyed by start first, so each
     * step reads a range of the store.
     */
    private void closeDueTimeWindows(long limit, String closedBy, long outTs) {
        long lastDue = Math.floorDiv(limit - spec.sizeMs() - spec.graceMs(), spec.advanceMs()) * spec.advanceMs();
        boolean emitted = false;
        long next = Long.MAX_VALUE;
        while (true) {
            Long first = firstPaneStart();
            if (first == null) {
                break;
            }
            long s = Math.max(spec.firstStart(first), closedStart + spec.advanceMs());
            if (s > lastDue) {
                next = spec.closeTime(s + spec.sizeMs());
                break;
            }
            emitWindow(s, closedBy, outTs);
            dropPanesBefore(s + spec.advanceMs());
            closedStart = s;
            emitted = true;
        }
        closedStart = Math.max(closedStart, lastDue);
        nextCloseTime = next;
        if (emitted) {
            persistStreamTime();
        }
    }

    private Long firstPaneStart() {
        if (paneIndex != null) {
            return paneIndex.isEmpty() ? null : paneIndex.firstKey();
        }
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            return it.hasNext() ? decodeLong(it.peekNextKey().get(), 0) : null;
        }
    }

    private void emitWindow(long s, String closedBy, long outTs) {
        Map<String, Accumulator> byGroup = new LinkedHashMap<>();
        boolean single = paneMs == spec.sizeMs();
        if (paneIndex != null) {
            for (List<Bytes> keys : paneIndex.subMap(s, s + spec.sizeMs()).values()) {
                for (Bytes key : keys) {
                    byte[] k = key.get();
                    String group = new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
                    Accumulator p = open.get(key);
                    if (single) {
                        byGroup.put(group, p);
                    } else {
                        byGroup.computeIfAbsent(group, g -> new Accumulator(s, s + spec.sizeMs(),
                                sketches)).merge(p);
                    }
                }
            }
            for (Map.Entry<String, Accumulator> e : byGroup.entrySet()) {
                emit(e.getKey(), e.getValue(), true, closedBy, outTs);
            }
            return;
        }
        try (KeyValueIterator<Bytes, byte[]> it = windows.range(Bytes.wrap(encodeLong(s)),
                Bytes.wrap(encodeLong(s + spec.sizeMs())))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (decodeLong(k, 0) >= s + spec.sizeMs()) {
                    break;
                }
                String group = new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
                Accumulator p = open.get(kv.key);
                if (p == null) {
                    p = Accumulator.fromBytes(kv.value, sketches);
                }
                if (single) {
                    byGroup.put(group, p); // tumbling: the pane is the window, and it is dropped next
                } else {
                    byGroup.computeIfAbsent(group, g -> new Accumulator(s, s + spec.sizeMs(),
                            sketches)).merge(p);
                }
            }
        }
        for (Map.Entry<String, Accumulator> e : byGroup.entrySet()) {
            emit(e.getKey(), e.getValue(), true, closedBy, outTs);
        }
    }

    private void dropPanesBefore(long t) {
        if (paneIndex != null) {
            var head = paneIndex.headMap(t);
            for (List<Bytes> keys : head.values()) {
                for (Bytes k : keys) {
                    windows.delete(k);
                    if (open.remove(k) != null) {
                        heapPanes.decrementAndGet();
                    }
                }
            }
            head.clear();
            return;
        }
        List<Bytes> drop = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = windows.range(Bytes.wrap(encodeLong(Long.MIN_VALUE)),
                Bytes.wrap(encodeLong(t)))) {
            while (it.hasNext()) {
                Bytes k = it.next().key;
                if (decodeLong(k.get(), 0) >= t) {
                    break;
                }
                drop.add(k);
            }
        }
        for (Bytes k : drop) {
            windows.delete(k);
            if (open.remove(k) != null) {
                heapPanes.decrementAndGet();
            }
        }
    }

    private void closeDueSessions(long limit, String closedBy, long outTs) {
        List<Bytes> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        try (KeyValueIterator<Bytes, byte[]> it = closing.all()) {
            while (it.hasNext()) {
                Bytes k = it.next().key;
                long closeTime = decodeLong(k.get(), 0);
                if (closeTime > limit) {
                    next = closeTime;
                    break;
                }
                due.add(k);
            }
        }
        nextCloseTime = next;
        if (!due.isEmpty()) {
            persistStreamTime();
        }
        for (Bytes k : due) {
            byte[] ck = k.get();
            Bytes wk = Bytes.wrap(java.util.Arrays.copyOfRange(ck, 8, ck.length));
            byte[] stored = windows.get(wk);
            if (stored != null) {
                Accumulator acc = Accumulator.fromBytes(stored, sketches);
                emit(groupKeyOfSession(wk.get()), acc, true, closedBy, outTs);
                windows.delete(wk);
            }
            closing.delete(k);
        }
    }

    private void emit(String groupKey, Accumulator acc, boolean isFinal, String closedBy, long outTs) {
        GroupKey.Fields f = GroupKey.fields(groupKey, tag);
        Aggregate a = acc.toAggregate(f.device(), f.metric(), f.group(), spec.type(), isFinal, closedBy, stats,
                lateCount(groupKey));
        context.forward(new Record<Object, Object>(a.key().getBytes(StandardCharsets.UTF_8), AggregateJson.format(a),
                outTs), outputSink);
        if (isFinal) {
            metrics.finalAggregate(IDLE.equals(closedBy));
        } else {
            metrics.updateAggregate();
        }
    }

    /** Wall-clock punctuator: moves stream time on for a partition that went quiet. */
    private void idleCheck(long now) {
        if (streamTime == Long.MIN_VALUE || now - lastRecordWall < idleCloseMs) {
            return;
        }
        if (!times.caughtUp(context.taskId().partition())) {
            // records are waiting (paused or lagging): the silence is ours, not the devices'
            return;
        }
        long elapsed = now - lastAdvanceWall;
        if (elapsed <= 0) {
            return;
        }
        streamTime += elapsed;
        persistStreamTime();
        lastAdvanceWall = now;
        closeDue(streamTime, IDLE, now);
    }

    // ---------------------------------------------------------------- keys

    /** Big-endian with the sign bit flipped, so byte order is numeric order. */
    static byte[] encodeLong(long v) {
        return ByteBuffer.allocate(8).putLong(v ^ Long.MIN_VALUE).array();
    }

    static long decodeLong(byte[] b, int offset) {
        return ByteBuffer.wrap(b, offset, 8).getLong() ^ Long.MIN_VALUE;
    }

    /** Time windows: {@code [start][group]}, so windows sort by when they close. */
    static Bytes timeWindowKey(long start, byte[] group) {
        return Bytes.wrap(ByteBuffer.allocate(8 + group.length).putLong(start ^ Long.MIN_VALUE).put(group).array());
    }

    /** Sessions: {@code [len][group][start]}, so one key's sessions are one range. */
    static Bytes sessionKey(byte[] group, long start) {
        ByteBuffer b = ByteBuffer.allocate(2 + group.length + 8);
        b.putShort((short) group.length).put(group).putLong(start ^ Long.MIN_VALUE);
        return Bytes.wrap(b.array());
    }

    static String groupKeyOfSession(byte[] windowKey) {
        int len = ByteBuffer.wrap(windowKey, 0, 2).getShort() & 0xffff;
        return new String(windowKey, 2, len, StandardCharsets.UTF_8);
    }

    static Bytes closingKey(long closeTime, Bytes windowKey) {
        byte[] wk = windowKey.get();
        return Bytes.wrap(ByteBuffer.allocate(8 + wk.length).put(encodeLong(closeTime)).put(wk).array());
    }

    private static Bytes lateKey(String groupKey) {
        byte[] g = groupKey.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[g.length + 1];
        k[0] = LATE_PREFIX;
        System.arraycopy(g, 0, k, 1, g.length);
        return Bytes.wrap(k);
    }
}
