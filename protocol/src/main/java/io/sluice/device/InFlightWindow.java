package io.sluice.device;

import io.sluice.protocol.frame.Reading;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The device side's bounded buffer: readings accepted from the application and not yet
 * acknowledged by the source, in seq order. A prefix of them has been written to the current
 * connection ("sent"); the rest wait for the writer. Bounded by records and bytes: a full window
 * blocks {@link #offer} (that is the device's backpressure), it never grows.
 *
 * <p>Thread-safe: the application thread offers, the network thread drains and acks.
 */
final class InFlightWindow {
    private final int maxRecords;
    private final long maxBytes;
    private final Reading[] ring;
    private final int[] sizes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Ring positions (monotonic; index = position % capacity): head ≤ sentEnd ≤ tail. */
    private long head;
    private long sentEnd;
    private long tail;
    private long bytes;
    /** Readings released by acks, ever. */
    private long released;
    /** Seq of the last reading accepted; -1 until the seq base is known. */
    private long lastSeq;
    private boolean seqKnown;
    /** Seq of the first reading accepted, -1 before it. */
    private long firstSeq = -1;
    private RuntimeException failure;
    private boolean closed;

    InFlightWindow(int maxRecords, long maxBytes) {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("window bounds must be positive");
        }
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.ring = new Reading[maxRecords];
        this.sizes = new int[maxRecords];
    }

    /** Sets where seqs start: the next reading gets {@code lastSeq + 1}. */
    void startAfter(long lastSeq) {
        lock.lock();
        try {
            if (!seqKnown || lastSeq > this.lastSeq) {
                this.lastSeq = lastSeq;
            }
            seqKnown = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Assigns the next seq to a reading built by {@code factory} and appends it, waiting up to
     * {@code timeoutNanos} for room (and for the seq base). Returns the seq, or -1 on timeout.
     */
    long offer(ReadingFactory factory, int size, long timeoutNanos) throws InterruptedException {
        if (size > maxBytes) {
            throw new IllegalArgumentException("a reading of " + size + " bytes cannot fit a window of " + maxBytes + " bytes");
        }
        lock.lockInterruptibly();
        try {
            long nanos = timeoutNanos;
            while (true) {
                check();
                if (seqKnown && tail - head < maxRecords && bytes + size <= maxBytes) {
                    break;
                }
                if (nanos <= 0) {
                    return -1;
                }
                nanos = changed.awaitNanos(nanos);
            }
            long seq = ++lastSeq;
            if (firstSeq < 0) {
                firstSeq = seq;
            }
            int i = (int) (tail % maxRecords);
            ring[i] = factory.create(seq);
            sizes[i] = size;
            tail++;
            bytes += size;
            return seq;
        } finally {
            lock.unlock();
        }
    }

    interface ReadingFactory {
        Reading create(long seq);
    }

    /** Moves up to {@code maxReadings} / {@code maxBytes} of unsent readings to sent and returns them. */
    List<Reading> drainUnsent(int maxReadings, int maxBatchBytes) {
        lock.lock();
        try {
            int n = (int) Math.min(maxReadings, tail - sentEnd);
            List<Reading> out = new ArrayList<>(n);
            long batchBytes = 0;
            while (out.size() < n) {
                int i = (int) (sentEnd % maxRecords);
                if (!out.isEmpty() && batchBytes + sizes[i] > maxBatchBytes) {
                    break;
                }
                batchBytes += sizes[i];
                out.add(ring[i]);
                sentEnd++;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Releases every reading with seq ≤ {@code seq}; returns how many. */
    int ack(long seq) {
        lock.lock();
        try {
            int released = 0;
            while (head < tail) {
                int i = (int) (head % maxRecords);
                if (ring[i].seq() > seq) {
                    break;
                }
                bytes -= sizes[i];
                ring[i] = null;
                head++;
                released++;
            }
            if (sentEnd < head) {
                sentEnd = head;
            }
            if (released > 0) {
                this.released += released;
                changed.signalAll();
            }
            return released;
        } finally {
            lock.unlock();
        }
    }

    /** After a reconnect: everything not acked must be written again. Returns how many. */
    int rewind() {
        lock.lock();
        try {
            int n = (int) (sentEnd - head);
            sentEnd = head;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every accepted reading is acked; false on timeout. */
    boolean awaitEmpty(long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long nanos = timeoutNanos;
            while (head < tail) {
                check();
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Fails every present and future wait with {@code e}. */
    void fail(RuntimeException e) {
        lock.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void check() {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException("the device client is closed");
        }
    }

    int size() {
        lock.lock();
        try {
            return (int) (tail - head);
        } finally {
            lock.unlock();
        }
    }

    int unsent() {
        lock.lock();
        try {
            return (int) (tail - sentEnd);
        } finally {
            lock.unlock();
        }
    }

    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Readings released by acks since the window was created. */
    long released() {
        lock.lock();
        try {
            return released;
        } finally {
            lock.unlock();
        }
    }

    long firstSeq() {
        lock.lock();
        try {
            return firstSeq;
        } finally {
            lock.unlock();
        }
    }

    long lastSeq() {
        lock.lock();
        try {
            return seqKnown ? lastSeq : -1;
        } finally {
            lock.unlock();
        }
    }
}
