package io.sluice.peer;

import io.sluice.protocol.frame.DeliveredRecord;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Records received and not yet taken by the application, bounded in records and bytes. The
 * network side adds without blocking and, once the buffer reaches its bounds, stops reading
 * the sockets (so TCP pushes back to the sink) until the application drained it to half. The
 * overshoot past the bounds is at most what the sockets had already read.
 */
final class DeliveryBuffer {
    private final int maxRecords;
    private final long maxBytes;
    private final ArrayDeque<DeliveredRecord> records = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private long bytes;
    private boolean closed;

    DeliveryBuffer(int maxRecords, long maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    static long sizeOf(DeliveredRecord r) {
        return 30L + r.topic().length() + r.key().length + r.value().length;
    }

    /** Adds a batch; returns true when the buffer is now full (the caller stops reading). */
    boolean addAll(java.util.List<DeliveredRecord> batch) {
        if (batch.isEmpty()) {
            return false;
        }
        lock.lock();
        try {
            boolean wasEmpty = records.isEmpty();
            for (DeliveredRecord r : batch) {
                records.addLast(r);
                bytes += sizeOf(r);
            }
            if (wasEmpty) {
                notEmpty.signalAll(); // one wake-up per batch, not per record
            }
            return records.size() >= maxRecords || bytes >= maxBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to the timeout for a record; null on timeout or when closed and empty. */
    DeliveredRecord poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (records.isEmpty()) {
                if (closed || nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            DeliveredRecord r = records.removeFirst();
            bytes -= sizeOf(r);
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** At or below half the bounds: the sockets may be read again. */
    boolean hasRoom() {
        lock.lock();
        try {
            return records.size() <= maxRecords / 2 && bytes <= maxBytes / 2;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean closed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return records.size();
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
}
