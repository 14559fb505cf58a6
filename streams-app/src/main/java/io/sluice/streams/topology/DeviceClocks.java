package io.sluice.streams.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What each device of one task has passed, for per-device closing: the device's event time (the
 * largest {@code ts} of its readings processed so far) and the device's open windows.
 *
 * <p>The time is kept in the task's meta store (changelogged) whenever it closes one of the
 * device's windows, so after a restart no window of the device reopens; between closes it may be
 * ahead on the heap only, which costs nothing after a restart but re-deciding windows that were
 * still open. The open windows are an index of the window store, built again from it in
 * {@link #add} calls at start: a device's open windows are bounded by its own event time (see
 * {@code docs/streams-app.md}), so the index is small per device.
 */
final class DeviceClocks {
    static final byte TIME_PREFIX = 2;
    private static final int HEAP_MAX_DEVICES = 100_000;

    /** One open window of a device: its store key and its pane start (time windows) or last reading (sessions). */
    record Open(Bytes key, long at) {
    }

    private final StoredLongs times;
    private final Map<String, List<Open>> open = new HashMap<>();

    DeviceClocks(KeyValueStore<Bytes, byte[]> meta) {
        this.times = new StoredLongs(meta, TIME_PREFIX, HEAP_MAX_DEVICES, Long.MIN_VALUE);
    }

    long time(String device) {
        return times.get(device);
    }

    void advance(String device, long time) {
        times.putHeap(device, time);
    }

    /** Writes the device's time to the store: called whenever it closed a window. */
    void persist(String device) {
        times.store(device);
    }

    /** The device's open windows (null or empty: none). */
    List<Open> open(String device) {
        return open.get(device);
    }

    void add(String device, Bytes key, long at) {
        open.computeIfAbsent(device, d -> new ArrayList<>(2)).add(new Open(key, at));
    }

    void remove(String device, Bytes key) {
        List<Open> list = open.get(device);
        if (list != null) {
            list.removeIf(o -> o.key().equals(key));
            removeIfNone(device);
        }
    }

    /** Forgets the device's (emptied) list of open windows. */
    void removeIfNone(String device) {
        List<Open> list = open.get(device);
        if (list != null && list.isEmpty()) {
            open.remove(device);
        }
    }

    /** Devices that have open windows now (a copy: closing changes the index). */
    Set<String> devicesWithOpenWindows() {
        return Set.copyOf(open.keySet());
    }

    int openWindows() {
        return open.values().stream().mapToInt(List::size).sum();
    }
}
