package io.sluice.sink.peer;

import io.sluice.protocol.frame.DeliveredRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One peer's outbound queue, bounded in records and in bytes. The sink task (and the replay
 * reader) offer records; the peer's network thread polls batches while its socket is writable.
 * A full queue refuses ({@link #offer} returns false) and the caller applies the slow-peer
 * policy; {@link #dropOldestFor} makes room only when the user chose to lose records.
 *
 * <p>High and low marks (shares of both bounds) give the hysteresis for pause/resume: a queue
 * becomes {@linkplain #slow() slow} when it rises to the high mark and stops being slow only
 * once it has drained to the low mark.
 */
public final class PeerQueue {
    /** Bytes counted per record beyond key and value: the frame's per-record fields. */
    public static final int RECORD_OVERHEAD_BYTES = 30;

    private final int maxRecords;
    private final long maxBytes;
    private final int highRecords;
    private final long highBytes;
    private final int lowRecords;
    private final long lowBytes;

    private final ArrayDeque<DeliveredRecord> records = new ArrayDeque<>();
    private long bytes;
    private long peakBytes;
    private int peakRecords;
    private boolean slow;

    public PeerQueue(int maxRecords, long maxBytes, double highWatermark, double lowWatermark) {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("queue bounds must be positive");
        }
        if (!(lowWatermark >= 0 && lowWatermark < highWatermark && highWatermark <= 1.0)) {
            throw new IllegalArgumentException("need 0 <= low < high <= 1, got low=" + lowWatermark + " high=" + highWatermark);
        }
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.highRecords = Math.max(1, (int) Math.ceil(maxRecords * highWatermark));
        this.highBytes = Math.max(1, (long) Math.ceil(maxBytes * highWatermark));
        this.lowRecords = (int) Math.floor(maxRecords * lowWatermark);
        this.lowBytes = (long) Math.floor(maxBytes * lowWatermark);
    }

    /** Bytes one record takes in the queue (and about what it takes on the wire). */
    public static int sizeOf(DeliveredRecord r) {
        return RECORD_OVERHEAD_BYTES + r.topic().length() + r.key().length + r.value().length;
    }

    /** Adds the record if both bounds leave room; false (and nothing changes) otherwise. */
    public synchronized boolean offer(DeliveredRecord r) {
        int size = sizeOf(r);
        if (records.size() + 1 > maxRecords || bytes + size > maxBytes) {
            return false;
        }
        records.addLast(r);
        bytes += size;
        if (bytes > peakBytes) {
            peakBytes = bytes;
        }
        if (records.size() > peakRecords) {
            peakRecords = records.size();
        }
        if (records.size() >= highRecords || bytes >= highBytes) {
            slow = true;
        }
        return true;
    }

    /**
     * Drops the oldest records until one of {@code size} bytes fits; returns how many were
     * dropped (0 if it already fits, or if it can never fit).
     */
    public synchronized int dropOldestFor(int size) {
        if (size > maxBytes) {
            return 0;
        }
        int dropped = 0;
        while (!records.isEmpty() && (records.size() + 1 > maxRecords || bytes + size > maxBytes)) {
            bytes -= sizeOf(records.removeFirst());
            dropped++;
        }
        updateSlowAfterRemoval();
        return dropped;
    }

    /**
     * Takes the oldest records, at most {@code maxCount} and {@code maxBatchBytes} in all (but
     * always at least one when the queue is not empty).
     */
    public synchronized List<DeliveredRecord> poll(int maxCount, long maxBatchBytes) {
        if (records.isEmpty()) {
            return List.of();
        }
        List<DeliveredRecord> out = new ArrayList<>(Math.min(maxCount, records.size()));
        long taken = 0;
        while (!records.isEmpty() && out.size() < maxCount) {
            int size = sizeOf(records.peekFirst());
            if (!out.isEmpty() && taken + size > maxBatchBytes) {
                break;
            }
            out.add(records.removeFirst());
            taken += size;
        }
        bytes -= taken;
        updateSlowAfterRemoval();
        return out;
    }

    private void updateSlowAfterRemoval() {
        if (slow && records.size() <= lowRecords && bytes <= lowBytes) {
            slow = false;
        }
    }

    /** Empties the queue (the peer went away); returns how many records were discarded. */
    public synchronized int clear() {
        int n = records.size();
        records.clear();
        bytes = 0;
        slow = false;
        return n;
    }

    /** Above the high mark, and not yet drained to the low mark since. */
    public synchronized boolean slow() {
        return slow;
    }

    /** At or below the low mark: room to refill (for replay reads). */
    public synchronized boolean atOrBelowLow() {
        return records.size() <= lowRecords && bytes <= lowBytes;
    }

    public synchronized boolean isEmpty() {
        return records.isEmpty();
    }

    public synchronized int size() {
        return records.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long peakBytes() {
        return peakBytes;
    }

    public synchronized int peakRecords() {
        return peakRecords;
    }

    public int maxRecords() {
        return maxRecords;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
