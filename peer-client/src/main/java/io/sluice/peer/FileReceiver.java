package io.sluice.peer;

import io.sluice.file.AssemblerStats;
import io.sluice.file.FileAssembler;
import io.sluice.file.FileReceivedListener;
import io.sluice.protocol.frame.FileDelivery;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file side of a {@link PeerClient} with a destination folder: delivered chunks wait in a
 * queue bounded by chunks and bytes (full: the client stops reading its sockets, like for
 * records) and one writer thread hands them to the {@link FileAssembler}, then marks them
 * processed, so a chunk is acknowledged to the sink only once it is on disk (or was there).
 */
final class FileReceiver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileReceiver.class);

    interface Processed {
        void done(FileDelivery d);
    }

    private final FileAssembler assembler;
    private final int maxChunks;
    private final long maxBytes;
    private final Processed processed;
    private final Runnable tookOne;
    private final long sweepEveryMs;
    private final ArrayDeque<FileDelivery> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Thread writer;
    private final LongAdder chunksReceived = new LongAdder();
    private long bytes;
    private volatile boolean closed;
    private volatile Throwable failure;

    FileReceiver(FileAssembler.Settings settings, FileReceivedListener listener, int maxChunks, long maxBytes, Processed processed,
            Runnable tookOne) throws IOException {
        this.assembler = new FileAssembler(settings, listener);
        this.maxChunks = maxChunks;
        this.maxBytes = maxBytes;
        this.processed = processed;
        this.tookOne = tookOne;
        this.sweepEveryMs = Math.max(1_000, Math.min(60_000, settings.partialTtl().toMillis() / 4));
        this.writer = new Thread(this::run, "sluice-peer-files");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Network thread: queues a chunk; true when the queue is now full (stop reading). */
    boolean offer(FileDelivery d) {
        chunksReceived.increment();
        lock.lock();
        try {
            queue.addLast(d);
            bytes += d.data().length;
            notEmpty.signal();
            return queue.size() >= maxChunks || bytes >= maxBytes;
        } finally {
            lock.unlock();
        }
    }

    /** At or below half its bounds: the sockets may be read again. */
    boolean hasRoom() {
        lock.lock();
        try {
            return queue.size() <= maxChunks / 2 && bytes <= maxBytes / 2;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long lastSweep = 0;
        try {
            while (!closed) {
                FileDelivery d;
                lock.lock();
                try {
                    if (queue.isEmpty()) {
                        notEmpty.await(Math.min(sweepEveryMs, 1_000), TimeUnit.MILLISECONDS);
                    }
                    d = queue.pollFirst();
                    if (d != null) {
                        bytes -= d.data().length;
                    }
                } finally {
                    lock.unlock();
                }
                if (d != null) {
                    tookOne.run();
                    assembler.accept(d);
                    processed.done(d);
                }
                long now = System.currentTimeMillis();
                if (now - lastSweep >= sweepEveryMs) {
                    lastSweep = now;
                    assembler.sweep();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                failure = e;
                log.error("writing files to {} failed; file chunks are no longer processed (nor acknowledged): {}",
                        assembler.settings().folder(), e.toString());
            }
        }
    }

    /** The writer's failure (a disk error), or null. */
    Throwable failure() {
        return failure;
    }

    AssemblerStats stats() {
        return assembler.stats();
    }

    long chunksReceived() {
        return chunksReceived.sum();
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the writer; chunks still queued are not written (nor acknowledged): the sink delivers them again. */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(Duration.ofSeconds(5).toMillis());
            if (writer.isAlive()) {
                writer.interrupt();
                writer.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assembler.close();
    }
}
