package io.sluice.source.file;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The chunks waiting for {@code poll()}, bounded in chunks and in bytes. A network thread first
 * reserves room ({@link #tryReserve}); when there is none its connection stops being read and
 * {@link #whenSpace} calls it back once the queue is down to half. Completion markers are tiny,
 * one per file, and skip the bounds so finishing a file never waits on a full queue.
 */
final class FileQueue {
    private final int maxChunks;
    private final long maxBytes;
    private final Runnable onNonEmpty;
    private final ArrayDeque<FileItem> items = new ArrayDeque<>();
    private final List<Runnable> waiting = new ArrayList<>();
    private int reservedChunks;
    private long reservedBytes;

    FileQueue(int maxChunks, long maxBytes, Runnable onNonEmpty) {
        this.maxChunks = maxChunks;
        this.maxBytes = maxBytes;
        this.onNonEmpty = onNonEmpty;
    }

    /** Takes room for one chunk of {@code bytes}; false when the queue is full. */
    synchronized boolean tryReserve(int bytes) {
        if (reservedChunks > 0 && (reservedChunks + 1 > maxChunks || reservedBytes + bytes > maxBytes)) {
            return false;
        }
        reservedChunks++;
        reservedBytes += bytes;
        return true;
    }

    /** Adds an item whose room was reserved. */
    void put(FileItem item) {
        boolean wasEmpty;
        synchronized (this) {
            wasEmpty = items.isEmpty();
            items.addLast(item);
        }
        if (wasEmpty) {
            onNonEmpty.run();
        }
    }

    /** Adds a marker without reserving. */
    void putUnbounded(FileItem item) {
        synchronized (this) {
            reservedChunks++;
        }
        put(item);
    }

    /** Takes up to {@code max} items. */
    List<FileItem> drain(int max) {
        List<Runnable> wake = null;
        List<FileItem> out;
        synchronized (this) {
            if (items.isEmpty()) {
                return List.of();
            }
            out = new ArrayList<>(Math.min(max, items.size()));
            while (!items.isEmpty() && out.size() < max) {
                FileItem i = items.pollFirst();
                out.add(i);
                reservedChunks--;
                reservedBytes -= i.data().length;
            }
            if (!waiting.isEmpty() && belowHalf()) {
                wake = new ArrayList<>(waiting);
                waiting.clear();
            }
        }
        if (wake != null) {
            wake.forEach(Runnable::run);
        }
        return out;
    }

    /** Calls {@code r} once the queue is down to half its bounds (at once if it is already). */
    void whenSpace(Runnable r) {
        synchronized (this) {
            if (!belowHalf()) {
                waiting.add(r);
                return;
            }
        }
        r.run();
    }

    private boolean belowHalf() {
        return reservedChunks <= maxChunks / 2 && reservedBytes <= maxBytes / 2;
    }

    synchronized int chunks() {
        return reservedChunks;
    }

    synchronized long bytes() {
        return reservedBytes;
    }

    synchronized boolean isEmpty() {
        return items.isEmpty();
    }

    /** Forgets everything (the task stops: what was not polled was never acknowledged). */
    synchronized void clear() {
        items.clear();
        waiting.clear();
        reservedChunks = 0;
        reservedBytes = 0;
    }
}
