package io.sluice.source.file;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.file.FileErrors;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.file.ResumableSha256;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.Frame;
import io.sluice.source.device.SourceStats;
import java.time.Clock;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file side of one task, without Kafka: takes {@code FILE_INIT}, {@code FILE_CHUNK} and
 * {@code FILE_FIN} from device connections, checks them, queues one record per chunk for
 * {@code poll()}, and tells the device ({@code FILE_STATUS}) which chunks Kafka has once the
 * task reports them committed.
 *
 * <ul>
 * <li>Chunks are taken in order per file. A chunk already taken is a duplicate (not written
 *     again); a chunk beyond the next one is refused ({@code CHUNK_OUT_OF_RANGE}), or silently
 *     dropped right after a refused chunk, because the device goes back to that one.</li>
 * <li>The whole file is hashed as its chunks are taken, and the hash state travels in the source
 *     offsets, so {@code FILE_FIN} is checked against the device's SHA-256 even when earlier
 *     chunks went through another task or before a restart.</li>
 * <li>After {@code FILE_FIN} and once every chunk is in Kafka, a completion marker record
 *     follows the chunks; when Kafka has it, the device is told the file is complete.</li>
 * <li>Bad input gets a non-fatal error naming the file (see {@link FileErrors}) and touches
 *     nothing else.</li>
 * </ul>
 */
public final class FileHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileHub.class);

    /** What a frame did: taken, or not now because the chunk queue is full (stash it, wait for {@link #whenSpace}). */
    public enum Result { DONE, FULL }

    private final FileSettings settings;
    private final FileStats stats;
    private final SourceStats sourceStats;
    private final Clock clock;
    private final Function<Map<String, Object>, Map<String, Object>> storedOffset;
    private final FileQueue queue;
    private final ExecutorService lookups;
    private final Map<Key, FileTransfer> transfers = new ConcurrentHashMap<>();

    private record Key(String device, String fileId) {
    }

    /**
     * @param storedOffset reads a transfer's committed source offset (Connect's offset storage;
     *                     blocking, called off the network threads)
     * @param onNonEmpty   called when the first chunk waits for poll() (wakes a waiting poll)
     */
    public FileHub(FileSettings settings, FileStats stats, SourceStats sourceStats, Clock clock,
            Function<Map<String, Object>, Map<String, Object>> storedOffset, Runnable onNonEmpty, String name) {
        this.settings = settings;
        this.stats = stats;
        this.sourceStats = sourceStats;
        this.clock = clock;
        this.storedOffset = storedOffset;
        this.queue = new FileQueue(settings.bufferMaxChunks(), settings.bufferMaxBytes(), onNonEmpty);
        this.lookups = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-file-offsets-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** A hub for a task without file transfer: every file frame gets FILE_UNKNOWN. */
    public static FileHub disabled(SourceStats sourceStats) {
        return new FileHub(new FileSettings(null, 0, 1, 1, 1024, 1024, 2, 1, java.time.Duration.ofMinutes(1)), new FileStats(),
                sourceStats, Clock.systemUTC(), p -> null, () -> { }, "off");
    }

    public FileSettings settings() {
        return settings;
    }

    public FileStats stats() {
        return stats;
    }

    // ------------------------------------------------------------------ frames (network threads)

    /** Handles one file frame of {@code device} arriving on {@code link}. */
    public Result onFrame(FileLink link, String device, Frame frame) {
        if (!settings.enabled()) {
            stats.framesRefused.increment();
            String id = frame instanceof FileInit i ? i.fileId() : frame instanceof FileChunk c ? c.fileId() : ((FileFin) frame).fileId();
            error(link, FileErrors.error(ErrorCode.FILE_UNKNOWN, id, frame instanceof FileChunk c ? c.offset() : -1,
                    "file transfer is off on this source (files.topic is not set)"));
            return Result.DONE;
        }
        return switch (frame.type()) {
            case FILE_INIT -> onInit(link, device, (FileInit) frame);
            case FILE_CHUNK -> onChunk(link, device, (FileChunk) frame);
            case FILE_FIN -> onFin(link, device, (FileFin) frame);
            default -> throw new IllegalArgumentException(frame.type() + " is not a file frame");
        };
    }

    private Result onInit(FileLink link, String device, FileInit init) {
        String id = init.fileId();
        try {
            ProtocolLimits.checkFileId(id);
            ProtocolLimits.checkFileName(init.name());
        } catch (ProtocolException e) {
            return refuse(link, e.code(), id, -1, e.getMessage());
        }
        if (init.size() > settings.maxFileBytes()) {
            return refuse(link, ErrorCode.FILE_TOO_LARGE, id, -1, "the file is " + init.size() + " bytes, the limit is "
                    + settings.maxFileBytes() + " (files.max.bytes)");
        }
        int chunk = init.chunkSize();
        int frameRoom = settings.maxFrameBytes() - FileLayout.CHUNK_FRAME_OVERHEAD_BYTES;
        int maxChunk = Math.min(settings.chunkMaxBytes(), frameRoom);
        if ((chunk < settings.chunkMinBytes() && init.size() > chunk) || chunk > maxChunk) {
            return refuse(link, ErrorCode.CHUNK_OUT_OF_RANGE, id, -1, "chunk size " + chunk + " is outside " + settings.chunkMinBytes()
                    + ".." + maxChunk + " bytes (files.chunk.min.bytes, files.chunk.max.bytes, frame.max.bytes)");
        }
        try {
            new FileLayout(init.size(), chunk);
        } catch (IllegalArgumentException e) {
            return refuse(link, ErrorCode.FILE_TOO_LARGE, id, -1, e.getMessage());
        }
        Key key = new Key(device, id);
        FileTransfer existing = transfers.get(key);
        if (existing != null) {
            synchronized (existing) {
                if (!sameFile(existing, init)) {
                    return refuse(link, ErrorCode.FILE_CHECKSUM, id, -1, "file id '" + id + "' was announced with another name, "
                            + "size, SHA-256 or chunk size; a different file needs a new id");
                }
                existing.link = link;
                existing.lastActivityMs = clock.millis();
                if (existing.status != FileTransfer.Status.LOADING) {
                    answerInit(existing);
                }
            }
            return Result.DONE;
        }
        if (transfers.size() >= settings.transfersMax()) {
            forgetIdle(clock.millis(), Math.min(settings.idle().toMillis(), 10_000L));
            if (transfers.size() >= settings.transfersMax()) {
                return refuse(link, ErrorCode.FILE_UNKNOWN, id, -1, "this task holds " + settings.transfersMax()
                        + " transfers (files.transfers.max); try again later");
            }
        }
        FileTransfer t = new FileTransfer(device, id, init.name(), init.size(), init.sha256(), chunk, link, clock.millis());
        FileTransfer raced = transfers.putIfAbsent(key, t);
        if (raced != null) {
            return onInit(link, device, init);
        }
        try {
            lookups.execute(() -> load(t));
        } catch (RejectedExecutionException e) {
            transfers.remove(key, t);
            return refuse(link, ErrorCode.FILE_UNKNOWN, id, -1, "the source task is stopping; announce the file again");
        }
        return Result.DONE;
    }

    private static boolean sameFile(FileTransfer t, FileInit init) {
        return t.size == init.size() && t.chunkSize == init.chunkSize() && Arrays.equals(t.sha256, init.sha256())
                && t.name.equals(init.name());
    }

    /** Lookup thread: the stored progress of a transfer this task did not know. */
    private void load(FileTransfer t) {
        FileOffset stored = null;
        String failure = null;
        try {
            stored = FileOffset.fromMap(storedOffset.apply(t.partition.toMap()));
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        synchronized (t) {
            if (failure != null) {
                transfers.remove(new Key(t.device, t.fileId), t);
                error(t.link, FileErrors.error(ErrorCode.FILE_UNKNOWN, t.fileId, -1, "could not read the transfer's stored progress ("
                        + failure + "); announce it again"));
                return;
            }
            if (stored == null) {
                t.status = FileTransfer.Status.OPEN;
                stats.filesStarted.increment();
            } else if (stored.size() != t.size || stored.chunkSize() != t.chunkSize || !Arrays.equals(stored.sha256(), t.sha256)
                    || !stored.name().equals(t.name)) {
                transfers.remove(new Key(t.device, t.fileId), t);
                refuse(t.link, ErrorCode.FILE_CHECKSUM, t.fileId, -1, "file id '" + t.fileId + "' was sent before with another name, "
                        + "size, SHA-256 or chunk size; a different file needs a new id");
                return;
            } else {
                stats.filesResumed.increment();
                restore(t, stored);
            }
            t.lastActivityMs = clock.millis();
            answerInit(t);
        }
    }

    private void restore(FileTransfer t, FileOffset stored) {
        int chunks = Math.min(Math.max(0, stored.chunks()), t.layout.chunkCount());
        try {
            ResumableSha256 h = ResumableSha256.restore(stored.shaState());
            if (h.length() != (chunks == 0 ? 0 : t.layout.offsetOf(chunks - 1) + t.layout.lengthOf(chunks - 1))) {
                throw new IllegalArgumentException("hashed " + h.length() + " bytes for " + chunks + " chunks");
            }
            t.hasher = h;
        } catch (IllegalArgumentException e) {
            // cannot verify what came before: take the file again from its start (duplicates, not loss)
            log.warn("stored progress of file {}/{} is unusable ({}): taking it from the start", t.device, t.fileId, e.getMessage());
            chunks = 0;
            t.hasher = new ResumableSha256();
        }
        t.received = chunks;
        t.committed = chunks;
        t.status = switch (stored.status()) {
            case FileOffset.COMPLETE -> FileTransfer.Status.COMPLETE;
            case FileOffset.FAILED -> FileTransfer.Status.FAILED;
            default -> FileTransfer.Status.OPEN;
        };
        t.markerQueued = t.status != FileTransfer.Status.OPEN;
        t.finished = t.status == FileTransfer.Status.COMPLETE;
    }

    /** Under t's monitor: the answer to FILE_INIT. */
    private void answerInit(FileTransfer t) {
        if (t.status == FileTransfer.Status.FAILED) {
            error(t.link, FileErrors.error(ErrorCode.FILE_CHECKSUM, t.fileId, -1,
                    "this file failed its SHA-256 check before; send it again under a new id"));
            return;
        }
        sendStatus(t);
    }

    private Result onChunk(FileLink link, String device, FileChunk c) {
        FileTransfer t = transfers.get(new Key(device, c.fileId()));
        if (t == null) {
            return refuse(link, ErrorCode.FILE_UNKNOWN, c.fileId(), c.offset(), "no transfer of that id here; send FILE_INIT first");
        }
        synchronized (t) {
            t.lastActivityMs = clock.millis();
            t.link = link;
            switch (t.status) {
                case LOADING -> {
                    return refuse(link, ErrorCode.FILE_UNKNOWN, c.fileId(), c.offset(), "wait for the FILE_STATUS answering FILE_INIT");
                }
                case COMPLETE -> {
                    stats.chunksDuplicate.increment();
                    sendStatus(t);
                    return Result.DONE;
                }
                case FAILED -> {
                    return refuse(link, ErrorCode.FILE_CHECKSUM, c.fileId(), c.offset(), "this file failed its SHA-256 check");
                }
                default -> {
                }
            }
            int index = t.layout.indexOf(c.offset());
            if (index < 0) {
                stats.chunksRefused.increment();
                return refuse(link, ErrorCode.CHUNK_OUT_OF_RANGE, c.fileId(), c.offset(), "no chunk starts at offset " + c.offset()
                        + " of a " + t.size + "-byte file in chunks of " + t.chunkSize);
            }
            if (c.data().length != t.layout.lengthOf(index)) {
                stats.chunksRefused.increment();
                return refuse(link, ErrorCode.CHUNK_OUT_OF_RANGE, c.fileId(), c.offset(), "the chunk at " + c.offset() + " must have "
                        + t.layout.lengthOf(index) + " bytes, has " + c.data().length);
            }
            if (index < t.received) {
                stats.chunksDuplicate.increment();
                if (index < t.committed) {
                    sendStatus(t);
                }
                return Result.DONE;
            }
            if (index > t.received) {
                if (t.awaitingResend) {
                    stats.chunksDiscarded.increment();
                    return Result.DONE;
                }
                stats.chunksRefused.increment();
                return refuse(link, ErrorCode.CHUNK_OUT_OF_RANGE, c.fileId(), c.offset(), "chunks are taken in order: expected offset "
                        + t.layout.offsetOf(t.received));
            }
            CRC32C crc = new CRC32C();
            crc.update(c.data());
            if ((int) crc.getValue() != c.crc32c()) {
                stats.chunksRefused.increment();
                stats.checksumFailures.increment();
                t.awaitingResend = true;
                return refuse(link, ErrorCode.CHUNK_CHECKSUM, c.fileId(), c.offset(), "CRC-32C of the " + c.data().length
                        + " bytes at " + c.offset() + " is " + Integer.toHexString((int) crc.getValue()) + ", the frame says "
                        + Integer.toHexString(c.crc32c()) + "; send the chunk again");
            }
            if (!queue.tryReserve(c.data().length)) {
                return Result.FULL;
            }
            t.hasher.update(c.data());
            t.received++;
            t.awaitingResend = false;
            t.inFlight++;
            stats.chunksIn.increment();
            stats.bytesIn.add(c.data().length);
            FileOffset progress = new FileOffset(t.received, t.hasher.state(), FileOffset.OPEN, t.name, t.size, t.sha256, t.chunkSize);
            queue.put(new FileItem(t, index, false, c.offset(), c.crc32c(), c.data(), progress.toMap(), clock.millis()));
        }
        return Result.DONE;
    }

    private Result onFin(FileLink link, String device, FileFin fin) {
        FileTransfer t = transfers.get(new Key(device, fin.fileId()));
        if (t == null) {
            return refuse(link, ErrorCode.FILE_UNKNOWN, fin.fileId(), -1, "no transfer of that id here; send FILE_INIT first");
        }
        synchronized (t) {
            t.lastActivityMs = clock.millis();
            t.link = link;
            switch (t.status) {
                case LOADING -> {
                    return refuse(link, ErrorCode.FILE_UNKNOWN, fin.fileId(), -1, "wait for the FILE_STATUS answering FILE_INIT");
                }
                case COMPLETE -> {
                    sendStatus(t);
                    return Result.DONE;
                }
                case FAILED -> {
                    return refuse(link, ErrorCode.FILE_CHECKSUM, fin.fileId(), -1, "this file failed its SHA-256 check");
                }
                default -> {
                }
            }
            int count = t.layout.chunkCount();
            if (t.received < count) {
                // not everything is here: the status says what is missing
                sendStatus(t);
                return Result.DONE;
            }
            if (!Arrays.equals(t.hasher.digest(), t.sha256)) {
                stats.checksumFailures.increment();
                stats.filesFailed.increment();
                t.status = FileTransfer.Status.FAILED;
                queueMarker(t, false);
                return refuse(link, ErrorCode.FILE_CHECKSUM, fin.fileId(), -1, "the SHA-256 of the " + t.size
                        + " bytes received is " + java.util.HexFormat.of().formatHex(t.hasher.digest())
                        + ", FILE_INIT announced " + java.util.HexFormat.of().formatHex(t.sha256)
                        + "; did the file change while it was sent? Send it again under a new id");
            }
            t.finished = true;
            if (t.committed == count) {
                queueMarker(t, true);
            }
        }
        return Result.DONE;
    }

    /** Under t's monitor. */
    private void queueMarker(FileTransfer t, boolean complete) {
        if (t.markerQueued) {
            return;
        }
        t.markerQueued = true;
        t.inFlight++;
        FileOffset done = new FileOffset(t.layout.chunkCount(), t.hasher.state(), complete ? FileOffset.COMPLETE : FileOffset.FAILED,
                t.name, t.size, t.sha256, t.chunkSize);
        queue.putUnbounded(new FileItem(t, -1, complete, 0, 0, new byte[0], done.toMap(), clock.millis()));
    }

    private Result refuse(FileLink link, ErrorCode code, String fileId, long offset, String message) {
        error(link, FileErrors.error(code, fileId, offset, message));
        if (code == ErrorCode.FILE_TOO_LARGE || code == ErrorCode.BAD_FILE_NAME) {
            stats.filesFailed.increment();
        }
        return Result.DONE;
    }

    private void error(FileLink link, ErrorFrame e) {
        sourceStats.error(e.code());
        log.debug("{}: {} {}", link.label(), e.code(), e.message());
        link.send(e);
    }

    /** Under t's monitor: tells the device its status, at most once per turn of its connection's thread. */
    private void sendStatus(FileTransfer t) {
        if (t.statusScheduled.compareAndSet(false, true)) {
            t.link.execute(() -> {
                t.statusScheduled.set(false);
                io.sluice.protocol.frame.FileStatus s;
                FileLink current;
                synchronized (t) {
                    s = t.status();
                    current = t.link; // the device may have reconnected meanwhile
                }
                stats.statusesSent.increment();
                current.send(s);
            });
        }
    }

    /** Calls {@code r} once the chunk queue has room again. */
    public void whenSpace(Runnable r) {
        queue.whenSpace(r);
    }

    // ------------------------------------------------------------------ the task's side

    /** Task thread: up to {@code max} records waiting for Kafka. */
    public List<FileItem> drain(int max) {
        return queue.drain(max);
    }

    public boolean hasWaiting() {
        return !queue.isEmpty();
    }

    /** Kafka has the record of {@code item} (commitRecord): acknowledge the device. */
    public void committed(FileItem item) {
        FileTransfer t = item.transfer();
        synchronized (t) {
            t.inFlight--;
            t.lastActivityMs = clock.millis();
            if (item.marker()) {
                if (item.complete()) {
                    t.status = FileTransfer.Status.COMPLETE;
                    stats.filesCompleted.increment();
                    log.debug("file {}/{} complete: {} bytes in {} chunks", t.device, t.fileId, t.size, t.layout.chunkCount());
                    sendStatus(t);
                }
                return;
            }
            stats.chunksOut.increment();
            stats.bytesOut.add(item.data().length);
            t.committed = Math.max(t.committed, item.chunk() + 1);
            if (t.finished && t.committed == t.layout.chunkCount()) {
                queueMarker(t, true);
            }
            sendStatus(t);
        }
    }

    /** Forgets transfers idle for longer than the setting with nothing in flight; returns how many. */
    public int forgetIdle(long nowMs) {
        return forgetIdle(nowMs, settings.idle().toMillis());
    }

    private int forgetIdle(long nowMs, long idleMs) {
        int n = 0;
        for (Iterator<Map.Entry<Key, FileTransfer>> it = transfers.entrySet().iterator(); it.hasNext(); ) {
            FileTransfer t = it.next().getValue();
            synchronized (t) {
                if (t.inFlight == 0 && t.status != FileTransfer.Status.LOADING && nowMs - t.lastActivityMs >= idleMs) {
                    it.remove();
                    n++;
                }
            }
        }
        stats.transfersForgotten.add(n);
        return n;
    }

    public int transfers() {
        return transfers.size();
    }

    public int queuedChunks() {
        return queue.chunks();
    }

    public long queuedBytes() {
        return queue.bytes();
    }

    /** A transfer this task knows, for tests. */
    public FileTransfer transfer(String device, String fileId) {
        return transfers.get(new Key(device, fileId));
    }

    @Override
    public void close() {
        lookups.shutdownNow();
        queue.clear();
    }
}
