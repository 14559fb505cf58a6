package io.sluice.source.device;

import java.util.Arrays;

/**
 * One device's account of its seqs in this task: which were taken (in order) and which of those
 * are done (in Kafka, rejected, filtered or dropped). The acknowledgement is cumulative: the
 * highest seq such that every seq taken up to it is done. Seqs are taken in increasing order
 * (anything at or below {@link #highest()} is a duplicate and never taken).
 *
 * <p>Thread-safe: network threads take, the producer or task thread completes.
 */
public final class SeqLedger {
    /** Latency of acknowledgements, told per seq acknowledged. */
    public interface LatencySink {
        LatencySink NONE = nanos -> {
        };

        void acked(long nanos);
    }

    private long[] seqs = new long[16];
    private long[] takenAt = new long[16];
    private boolean[] done = new boolean[16];
    private int head;
    private int size;
    /** Highest seq taken or known committed. */
    private long highest;
    /** Highest seq acknowledged (all taken seqs up to it are done). */
    private long acked;

    /** Known committed up to {@code seq} (from Connect's offsets): nothing at or below it is taken again. */
    public synchronized void startAfter(long seq) {
        if (seq > highest) {
            highest = seq;
        }
        if (size == 0 && seq > acked) {
            acked = seq;
        }
    }

    public synchronized long highest() {
        return highest;
    }

    public synchronized long acked() {
        return acked;
    }

    /** Readings taken and not yet done. */
    public synchronized int pending() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (!done[(head + i) % seqs.length]) {
                n++;
            }
        }
        return n;
    }

    public synchronized boolean isDuplicate(long seq) {
        return seq <= highest;
    }

    /**
     * Takes {@code seq} (greater than {@link #highest()}), pending or already done. Returns the
     * new acknowledgement if taking a done seq advanced it, else -1.
     */
    public synchronized long take(long seq, boolean alreadyDone, long nowNanos) {
        if (seq <= highest) {
            throw new IllegalArgumentException("seq " + seq + " is not above " + highest);
        }
        highest = seq;
        if (size == 0 && alreadyDone) {
            acked = seq;
            return seq;
        }
        if (size == seqs.length) {
            grow();
        }
        int i = (head + size) % seqs.length;
        seqs[i] = seq;
        takenAt[i] = nowNanos;
        done[i] = alreadyDone;
        size++;
        return alreadyDone ? advance(nowNanos, LatencySink.NONE) : -1;
    }

    /** Withdraws {@code seq} if it is the last one taken and still pending (the buffer refused it). */
    public synchronized void untake(long seq, long previousHighest) {
        if (size > 0) {
            int i = (head + size - 1) % seqs.length;
            if (seqs[i] == seq && !done[i]) {
                size--;
                highest = previousHighest;
            }
        }
    }

    /**
     * Marks {@code seq} done. Returns the new acknowledgement if it advanced, else -1. Seqs not
     * taken here (or already done) are ignored.
     */
    public synchronized long complete(long seq, long nowNanos, LatencySink latency) {
        if (size == 0 || seq < seqs[head] || seq > seqs[(head + size - 1) % seqs.length]) {
            return -1;
        }
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = seqs[(head + mid) % seqs.length];
            if (v < seq) {
                lo = mid + 1;
            } else if (v > seq) {
                hi = mid - 1;
            } else {
                int i = (head + mid) % seqs.length;
                if (done[i]) {
                    return -1;
                }
                done[i] = true;
                return mid == 0 ? advance(nowNanos, latency) : -1;
            }
        }
        return -1;
    }

    private long advance(long nowNanos, LatencySink latency) {
        long before = acked;
        while (size > 0 && done[head]) {
            acked = seqs[head];
            latency.acked(nowNanos - takenAt[head]);
            head = (head + 1) % seqs.length;
            size--;
        }
        return acked != before ? acked : -1;
    }

    private void grow() {
        int n = seqs.length * 2;
        long[] s = new long[n];
        long[] t = new long[n];
        boolean[] d = new boolean[n];
        for (int k = 0; k < size; k++) {
            int i = (head + k) % seqs.length;
            s[k] = seqs[i];
            t[k] = takenAt[i];
            d[k] = done[i];
        }
        seqs = s;
        takenAt = t;
        done = d;
        head = 0;
    }

    @Override
    public synchronized String toString() {
        return "SeqLedger[highest=" + highest + ", acked=" + acked + ", pending=" + Arrays.toString(
                java.util.stream.IntStream.range(0, size).mapToLong(k -> seqs[(head + k) % seqs.length]).toArray()) + "]";
    }
}
