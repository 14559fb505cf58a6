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
import static io.sluice.streams.topology.WindowKeys.closingKey;
import static io.sluice.streams.topology.WindowKeys.decodeLong;
import static io.sluice.streams.topology.WindowKeys.encodeLong;
import static io.sluice.streams.topology.WindowKeys.groupOfSession;
import static io.sluice.streams.topology.WindowKeys.groupOfTimeWindow;
import static io.sluice.streams.topology.WindowKeys.sessionKey;
import static io.sluice.streams.topology.WindowKeys.timeWindowKey;

import io.sluice.streams.window.ClosingRule;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
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
 *   windows), the late count of each key and, closing per device, each device's event time
 *   ({@link DeviceClocks}).</li>
 * </ul>
 * Stream time is the largest event time seen by the task (the reading's own {@code ts}). A
 * window closes when stream time reaches {@link WindowSpec#closeTime} of {@link #spec} (whose
 * grace, closing per device, is the max-behind bound) and, closing per device
 * ({@link ClosingRule}), as soon as its device's own event time passes its end plus the device
 * grace. A reading whose every window is closed is late. The idle punctuator moves stream time
 * (and the time of every device with open windows) on by wall-clock time when the partition has
 * had no records for {@code idle.close.ms} and is caught up.
 *
 * <p>Past the size of one job: it holds both window algorithms (panes, sessions) beside what
 * they share (stores, late routing, both closing rules, which must each know what the other
 * closed). The next step is one type per window kind behind an interface, with the closing rules
 * and the emitting shared; key layouts ({@link WindowKeys}), stored counters ({@link StoredLongs})
 * and device times ({@link DeviceClocks}) are apart already.
 */
final class WindowAggregateProcessor implements Processor<Object, Object, Object, Object> {
    static final String WINDOWS_STORE = "sluice-windows";
    static final String CLOSING_STORE = "sluice-closing";
    static final String META_STORE = "sluice-meta";
    static final String LATE_HEADER = "sluice.late";
    static final String STREAM_TIME = "stream_time";
    static final String DEVICE = "device";
    static final String IDLE = "idle";

    private static final Bytes STREAM_TIME_KEY = Bytes.wrap(new byte[] {0});
    private static final byte LATE_PREFIX = 1;
    private static final byte[] EMPTY = new byte[0];
    /** Late counts are kept on the heap while this few keys have any (late readings are the exception). */
    private static final int LATE_HEAP_MAX_KEYS = 100_000;

    /** The window, with the grace of the stream-time close (closing per device: the max-behind bound). */
    private final WindowSpec spec;
    private final boolean perDevice;
    private final long deviceGraceMs;
    /** Closing per device: the grace of idle close, which is closing by stream time moved on by the wall clock. */
    private final long idleGraceMs;
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
    /** Start of the last time window closed by stream time (all windows starting at or before it are closed). */
    private long closedStart;
    private final long paneMs;
    private long lastRecordWall;
    private long lastAdvanceWall;
    private StoredLongs lateCounts;
    /** Closing per device: each device's time and open windows; null when closing by stream time. */
    private DeviceClocks devices;
    /** The task's open panes, deserialized, mirroring the store (bounded; oldest dropped first). */
    private Map<Bytes, Accumulator> open;
    /** Whether {@link #open} holds every open window (nothing evicted): then a miss needs no store read. */
    private boolean openComplete;
    /** While {@link #openComplete}: the keys of the open panes by pane start, so closing reads no store. */
    private TreeMap<Long, Set<Bytes>> paneIndex;
    private final int openMax;
    /** Panes on the heap across all tasks of the instance, bounded by {@link #openMax}. */
    private AtomicLong heapPanes;

    /** {@code sketches} null when no percentile is configured; {@code lateSink} null to count late readings only. */
    WindowAggregateProcessor(WindowSpec window, ClosingRule closingRule, List<Statistic> stats, EmitMode emit,
            SketchFactory sketches, String tag, String outputSink, String lateSink, Duration idleClose,
            Duration idleCheck, int openMax) {
        this.openMax = openMax;
        this.spec = closingRule.streamTimeSpec(window);
        this.perDevice = closingRule.perDevice();
        this.deviceGraceMs = closingRule.deviceGraceMs();
        this.idleGraceMs = Math.max(window.graceMs(), deviceGraceMs);
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
        this.closedStart = spec.isSession() || st == null ? Long.MIN_VALUE / 4 : lastDue(streamTime, spec.graceMs());
        this.lastRecordWall = context.currentSystemTimeMs();
        this.lastAdvanceWall = lastRecordWall;
        this.lateCounts = new StoredLongs(meta, LATE_PREFIX, LATE_HEAP_MAX_KEYS, 0);
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
        if (perDevice) {
            devices = new DeviceClocks(meta);
            indexDeviceWindows();
        }
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
        // what the reading's time closes (stream time, then its device's) is closed before the reading is
        // applied, so it counts only in windows still open; stream time first, while every device's time
        // is the one its windows were closed by
        closeDueByStreamTime(STREAM_TIME, record.timestamp());
        String device = null;
        if (devices != null) {
            device = r.device();
            long before = devices.time(device);
            if (r instanceof DeviceReading && ts > before) { // gap records carry the source's time, not the device's
                devices.advance(device, ts);
                if (closeDevice(device, before, ts, DEVICE, record.timestamp()) != Long.MIN_VALUE) {
                    devices.persist(device);
                }
            }
        }
        boolean counted = spec.isSession() ? session(groupKey, device, r, ts, record.timestamp())
                : timeWindows(groupKey, device, r, ts, record.timestamp());
        if (!counted) {
            late(groupKey, device, parsed, record);
        }
    }

    /**
     * Closes what stream time has made due. Time windows also check whenever stream time passed a
     * window boundary, so that {@link #closedStart} is current: a pane created later for a later
     * window must not reopen an earlier one that closed while it had no pane.
     */
    private void closeDueByStreamTime(String closedBy, long outTs) {
        if (streamTime >= nextCloseTime || (!spec.isSession() && lastDue(streamTime, spec.graceMs()) > closedStart)) {
            closeDue(streamTime, closedBy, outTs);
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

    /** Start of the last time window whose end plus {@code grace} is at or before {@code time}. */
    private long lastDue(long time, long grace) {
        if (time < Long.MIN_VALUE / 4) {
            return Long.MIN_VALUE / 4;
        }
        return Math.floorDiv(time - spec.sizeMs() - grace, spec.advanceMs()) * spec.advanceMs();
    }

    /** Closing per device: whether {@code device} has passed the end {@code end} plus the device grace. */
    private boolean passedByDevice(String device, long end) {
        return device != null && end + deviceGraceMs <= devices.time(device);
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
     * and a window is the merge of its panes when it is emitted. {@code device} is null unless
     * closing per device.
     */
    private boolean timeWindows(String groupKey, String device, TelemetryRecord r, long ts, long outTs) {
        long lastEnd = spec.lastStart(ts) + spec.sizeMs();
        if (spec.closeTime(lastEnd) <= streamTime || passedByDevice(device, lastEnd)) {
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
                if (device != null) {
                    devices.add(device, pk, pane);
                }
            } else {
                acc = Accumulator.fromBytes(stored, sketches);
            }
            heapPanes.incrementAndGet();
            open.put(pk, acc);
            if (paneIndex != null) {
                paneIndex.computeIfAbsent(pane, x -> new LinkedHashSet<>()).add(pk);
            }
        }
        apply(acc, r, ts);
        windows.put(pk, acc.toBytes());
        if (emit == EmitMode.UPDATE) {
            for (long s = spec.lastStart(ts); s > ts - spec.sizeMs(); s -= spec.advanceMs()) {
                if (s > closedStart && spec.closeTime(s + spec.sizeMs()) > streamTime
                        && !passedByDevice(device, s + spec.sizeMs())) {
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

    private boolean session(String groupKey, String device, TelemetryRecord r, long ts, long outTs) {
        if (spec.closeTime(ts) <= streamTime || passedByDevice(device, ts + spec.gapMs())) {
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
            if (device != null) {
                devices.remove(device, kv.key);
            }
        }
        merged.setBounds(merged.minTs(), merged.maxTs());
        Bytes wk = sessionKey(group, merged.start());
        windows.put(wk, merged.toBytes());
        closing.put(closingKey(spec.closeTime(merged.end()), wk), EMPTY);
        closesAt(spec.closeTime(merged.end()));
        if (device != null) {
            devices.add(device, wk, merged.end());
        }
        if (emit == EmitMode.UPDATE) {
            emit(groupKey, merged, false, null, outTs);
        }
        return true;
    }

    private void late(String groupKey, String device, Parsed parsed, Record<Object, Object> record) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        String why = device == null ? "stream time " + streamTime + ", grace " + spec.graceMs() + " ms"
                : "device time " + devices.time(device) + ", device grace " + deviceGraceMs + " ms; stream time "
                        + streamTime + ", max behind " + spec.graceMs() + " ms";
        headers.add(LATE_HEADER, why.getBytes(StandardCharsets.UTF_8));
        if (parsed.record() instanceof DeviceReading) {
            metrics.lateReading();
            lateCounts.put(groupKey, lateCounts.get(groupKey) + 1);
        } else {
            metrics.lateGap();
        }
        if (lateSink != null) {
            byte[] deviceId = parsed.record().device().getBytes(StandardCharsets.UTF_8);
            context.forward(new Record<Object, Object>(deviceId, parsed.raw(), record.timestamp(), headers), lateSink);
        }
    }

    /** After a (re)start: the task's open time windows onto the heap, if they fit. */
    private void loadOpenWindows() {
        openComplete = false;
        paneIndex = null;
        if (spec.isSession() || openMax == 0) {
            return;
        }
        Map<Bytes, Accumulator> loaded = new HashMap<>();
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
        paneIndex = new TreeMap<>();
        for (Bytes k : loaded.keySet()) {
            paneIndex.computeIfAbsent(decodeLong(k.get(), 0), x -> new LinkedHashSet<>()).add(k);
        }
        openComplete = true;
    }

    /** After a (re)start, closing per device: every open window in its device's index. */
    private void indexDeviceWindows() {
        try (KeyValueIterator<Bytes, byte[]> it = windows.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (spec.isSession()) {
                    devices.add(GroupKey.device(groupOfSession(k)), kv.key, Accumulator.fromBytes(kv.value, sketches).end());
                } else {
                    devices.add(GroupKey.device(groupOfTimeWindow(k)), kv.key, decodeLong(k, 0));
                }
            }
        }
    }

    // ---------------------------------------------------------------- closing per device

    /**
     * Emits the windows of {@code device} that the device time {@code now} has passed (its windows
     * up to {@code before} were closed already).
     *
     * @return the smallest device time that passes every window this closed; {@link Long#MIN_VALUE} if none
     */
    private long closeDevice(String device, long before, long now, String closedBy, long outTs) {
        List<DeviceClocks.Open> opens = devices.open(device);
        if (opens == null || opens.isEmpty()) {
            return Long.MIN_VALUE;
        }
        long closedTo = spec.isSession() ? closeDeviceSessions(opens, now, closedBy, outTs)
                : closeDeviceWindows(opens, before, now, closedBy, outTs);
        devices.removeIfNone(device);
        return closedTo;
    }

    /**
     * The device's time windows that are due, in start order, each merged from the device's panes;
     * after window {@code s} the device's panes no later window needs are dropped. Windows up to
     * {@code done} were closed before: by the device's earlier time or by stream time.
     */
    private long closeDeviceWindows(List<DeviceClocks.Open> opens, long before, long now, String closedBy, long outTs) {
        long lastDue = lastDue(now, deviceGraceMs);
        long done = Math.max(lastDue(before, deviceGraceMs), closedStart);
        long closedTo = Long.MIN_VALUE;
        while (lastDue > done && !opens.isEmpty()) {
            long first = Long.MAX_VALUE;
            for (DeviceClocks.Open o : opens) {
                first = Math.min(first, o.at());
            }
            long s = Math.max(spec.firstStart(first), done + spec.advanceMs());
            if (s > lastDue) {
                break;
            }
            List<Bytes> inWindow = new ArrayList<>(opens.size());
            for (DeviceClocks.Open o : opens) {
                if (o.at() >= s && o.at() < s + spec.sizeMs()) {
                    inWindow.add(o.key());
                }
            }
            emitPanes(inWindow, s, false, closedBy, outTs);
            for (Iterator<DeviceClocks.Open> it = opens.iterator(); it.hasNext(); ) {
                DeviceClocks.Open o = it.next();
                if (o.at() < s + spec.advanceMs()) {
                    dropPane(o.key(), o.at());
                    it.remove();
                }
            }
            done = s;
            closedTo = s + spec.sizeMs() + deviceGraceMs;
        }
        return closedTo;
    }

    private long closeDeviceSessions(List<DeviceClocks.Open> opens, long now, String closedBy, long outTs) {
        long closedTo = Long.MIN_VALUE;
        for (Iterator<DeviceClocks.Open> it = opens.iterator(); it.hasNext(); ) {
            DeviceClocks.Open o = it.next();
            if (o.at() + spec.gapMs() + deviceGraceMs > now) {
                continue;
            }
            byte[] stored = windows.get(o.key());
            if (stored != null) {
                Accumulator acc = Accumulator.fromBytes(stored, sketches);
                emit(groupOfSession(o.key().get()), acc, true, closedBy, outTs);
                windows.delete(o.key());
                closing.delete(closingKey(spec.closeTime(acc.end()), o.key()));
                closedTo = Math.max(closedTo, o.at() + spec.gapMs() + deviceGraceMs);
            }
            it.remove();
        }
        return closedTo;
    }

    private void dropPane(Bytes key, long paneStart) {
        windows.delete(key);
        if (open.remove(key) != null) {
            heapPanes.decrementAndGet();
        }
        if (paneIndex != null) {
            Set<Bytes> keys = paneIndex.get(paneStart);
            if (keys != null && keys.remove(key) && keys.isEmpty()) {
                paneIndex.remove(paneStart);
            }
        }
    }

    // ---------------------------------------------------------------- closing by stream time

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
        long lastDue = lastDue(limit, spec.graceMs());
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
        List<Bytes> keys = new ArrayList<>();
        if (paneIndex != null) {
            paneIndex.subMap(s, s + spec.sizeMs()).values().forEach(keys::addAll);
        } else {
            try (KeyValueIterator<Bytes, byte[]> it = windows.range(Bytes.wrap(encodeLong(s)),
                    Bytes.wrap(encodeLong(s + spec.sizeMs())))) {
                while (it.hasNext()) {
                    Bytes k = it.next().key;
                    if (decodeLong(k.get(), 0) >= s + spec.sizeMs()) {
                        break;
                    }
                    keys.add(k);
                }
            }
        }
        emitPanes(keys, s, true, closedBy, outTs);
    }

    /**
     * Emits window {@code s} of every group that has a pane among {@code keys} (each merged from
     * its panes), leaving out, when {@code skipPassed}, groups whose device closed it already.
     */
    private void emitPanes(Collection<Bytes> keys, long s, boolean skipPassed, String closedBy, long outTs) {
        Map<String, Accumulator> byGroup = new LinkedHashMap<>();
        boolean single = paneMs == spec.sizeMs();
        for (Bytes key : keys) {
            String group = groupOfTimeWindow(key.get());
            if (skipPassed && devices != null && s <= lastDue(devices.time(GroupKey.device(group)), deviceGraceMs)) {
                continue; // the device passed this window and emitted it (hopping: later panes remain)
            }
            Accumulator p = pane(key);
            if (p == null) {
                continue;
            }
            if (single) {
                byGroup.put(group, p); // tumbling: the pane is the window, and it is dropped next
            } else {
                byGroup.computeIfAbsent(group, g -> new Accumulator(s, s + spec.sizeMs(), sketches)).merge(p);
            }
        }
        for (Map.Entry<String, Accumulator> e : byGroup.entrySet()) {
            emit(e.getKey(), e.getValue(), true, closedBy, outTs);
        }
    }

    private void dropPanesBefore(long t) {
        List<Bytes> drop = new ArrayList<>();
        if (paneIndex != null) {
            paneIndex.headMap(t).values().forEach(drop::addAll);
        } else {
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
        }
        for (Bytes k : drop) {
            dropPane(k, decodeLong(k.get(), 0));
            if (devices != null) {
                devices.remove(GroupKey.device(groupOfTimeWindow(k.get())), k);
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
                String group = groupOfSession(wk.get());
                emit(group, acc, true, closedBy, outTs);
                windows.delete(wk);
                if (devices != null) {
                    devices.remove(GroupKey.device(group), wk);
                }
            }
            closing.delete(k);
        }
    }

    private void emit(String groupKey, Accumulator acc, boolean isFinal, String closedBy, long outTs) {
        GroupKey.Fields f = GroupKey.fields(groupKey, tag);
        Aggregate a = acc.toAggregate(f.device(), f.metric(), f.group(), spec.type(), isFinal, closedBy, stats,
                lateCounts.get(groupKey));
        context.forward(new Record<Object, Object>(a.key().getBytes(StandardCharsets.UTF_8), AggregateJson.format(a),
                outTs), outputSink);
        if (isFinal) {
            metrics.finalAggregate(closedBy);
        } else {
            metrics.updateAggregate();
        }
    }

    /**
     * Wall-clock punctuator: moves stream time on for a partition that went quiet and, closing
     * per device, closes every window of every device whose end plus {@code window.grace.ms} the
     * moved stream time has passed (a caught-up, quiet partition has nothing more for them). A
     * device's time moves only as far as those windows need: readings it held back (a stalled
     * source) for its later windows still count.
     */
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
        closeDueByStreamTime(IDLE, now);
        if (devices != null) {
            for (String device : devices.devicesWithOpenWindows()) {
                long before = devices.time(device);
                long closedTo = closeDevice(device, before, streamTime - idleGraceMs + deviceGraceMs, IDLE, now);
                if (closedTo > before) {
                    devices.advance(device, closedTo);
                    devices.persist(device);
                }
            }
        }
    }
}
