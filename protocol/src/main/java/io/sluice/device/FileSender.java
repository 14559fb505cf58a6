package io.sluice.device;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.file.FileErrors;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.FileStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file side of a {@link DeviceClient}: each transfer announces itself ({@code FILE_INIT}),
 * learns from {@code FILE_STATUS} which chunks the source already has in Kafka, sends the others
 * in order with a bounded window ahead of the acknowledgements, and ends with {@code FILE_FIN}.
 * After a reconnect every transfer announces itself again and sends only what the source says
 * is missing. Chunks are read from the file when they are sent (again), so memory holds a few
 * chunks, never the file.
 *
 * <p>Confined to the client's event loop, except {@link #submit} and the counters.
 */
final class FileSender {
    private static final Logger log = LoggerFactory.getLogger(FileSender.class);
    /** FILE_UNKNOWN / out-of-range answers tolerated per transfer before it fails (each one makes it announce itself again). */
    private static final int MAX_REANNOUNCE = 20;

    private final String deviceId;
    private final EventLoop loop;
    private final Supplier<Channel> channel;
    private final Map<String, Transfer> transfers = new LinkedHashMap<>();

    final LongAdder filesStarted = new LongAdder();
    final LongAdder filesCompleted = new LongAdder();
    final LongAdder filesFailed = new LongAdder();
    final AtomicInteger filesActive = new AtomicInteger();
    final LongAdder chunksSent = new LongAdder();
    final LongAdder chunksResent = new LongAdder();
    final LongAdder committedResent = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder chunksRefused = new LongAdder();

    FileSender(String deviceId, EventLoop loop, Supplier<Channel> channel) {
        this.deviceId = deviceId;
        this.loop = loop;
        this.channel = channel;
    }

    /** One file on its way. */
    static final class Transfer {
        final String fileId;
        final String name;
        final Path path;
        final boolean deleteAfter;
        final long size;
        final byte[] sha256;
        final FileLayout layout;
        final FileSendOptions options;
        final CompletableFuture<FileSendResult> result;
        final long startNanos;

        FileChannel file;
        /** Chunks the source reported in Kafka (last status). */
        BitSet committed = new BitSet();
        /** Chunks the source ever reported in Kafka. */
        final BitSet everCommitted = new BitSet();
        /** Chunks written at least once. */
        final BitSet written = new BitSet();
        /** Next chunk to send; valid once the source answered this connection's FILE_INIT. */
        int next;
        boolean announced;
        boolean statusSeen;
        boolean finSent;
        int reannounces;
        final Map<Integer, Integer> refusals = new java.util.HashMap<>();
        long sent;
        long resent;
        long bytes;

        Transfer(String fileId, String name, Path path, boolean deleteAfter, long size, byte[] sha256, FileSendOptions options,
                CompletableFuture<FileSendResult> result) {
            this.fileId = fileId;
            this.name = name;
            this.path = path;
            this.deleteAfter = deleteAfter;
            this.size = size;
            this.sha256 = sha256;
            this.layout = new FileLayout(size, options.chunkBytes());
            this.options = options;
            this.result = result;
            this.startNanos = System.nanoTime();
        }

        int inFlight() {
            int n = 0;
            for (int i = committed.nextClearBit(0); i < next; i = committed.nextClearBit(i + 1)) {
                n++;
            }
            return n;
        }
    }

    /** From any thread: starts a transfer (announced at once if connected). */
    void submit(Transfer t) {
        loop.execute(() -> {
            if (transfers.containsKey(t.fileId)) {
                t.result.completeExceptionally(new IllegalStateException("device " + deviceId + " is already sending file id '"
                        + t.fileId + "'"));
                cleanup(t);
                return;
            }
            transfers.put(t.fileId, t);
            filesStarted.increment();
            filesActive.incrementAndGet();
            Channel ch = channel.get();
            if (ch != null) {
                announce(ch, t);
                ch.flush();
            }
        });
    }

    /** Handshake done on a (new) connection: every transfer announces itself again. */
    void connected(Channel ch) {
        for (Transfer t : transfers.values()) {
            t.announced = false;
            t.statusSeen = false;
            t.finSent = false;
            announce(ch, t);
        }
        ch.flush();
    }

    void disconnected() {
        for (Transfer t : transfers.values()) {
            t.announced = false;
            t.statusSeen = false;
        }
    }

    private void announce(Channel ch, Transfer t) {
        t.announced = true;
        t.statusSeen = false;
        ch.write(new FileInit(t.fileId, t.name, t.size, t.sha256, t.options.chunkBytes()), ch.voidPromise());
    }

    void onStatus(FileStatus s) {
        Transfer t = transfers.get(s.fileId());
        if (t == null) {
            log.debug("device {}: status for file {} which is not being sent", deviceId, s.fileId());
            return;
        }
        BitSet committed = t.layout.chunks(s.committed());
        t.committed = committed;
        t.everCommitted.or(committed);
        if (s.complete()) {
            finish(t, null);
            return;
        }
        if (t.finSent && committed.cardinality() < t.layout.chunkCount()) {
            // the source no longer has every chunk (it lost offsets it had not stored): send the rest again
            t.finSent = false;
            t.next = committed.nextClearBit(0);
        }
        if (!t.statusSeen) {
            // the answer to FILE_INIT: start at the first chunk the source does not have
            t.statusSeen = true;
            t.next = committed.nextClearBit(0);
            t.finSent = false;
        }
        pump();
    }

    /** Handles a file error; false if {@code e} is not about a file. */
    boolean onError(ErrorFrame e) {
        if (!FileErrors.isFileError(e.code())) {
            return false;
        }
        String id = FileErrors.fileIdOf(e);
        Transfer t = id == null ? null : transfers.get(id);
        if (t == null) {
            log.debug("device {}: {} for no transfer of ours: {}", deviceId, e.code(), e.message());
            return true;
        }
        switch (e.code()) {
            case CHUNK_CHECKSUM -> {
                chunksRefused.increment();
                int chunk = t.layout.indexOf(e.seq());
                int n = t.refusals.merge(chunk, 1, Integer::sum);
                if (chunk < 0 || n > t.options.maxRetries()) {
                    finish(t, new ProtocolException(e.code(), "chunk at " + e.seq() + " of file '" + t.fileId + "' refused "
                            + n + " times: " + e.message()));
                    return true;
                }
                // the source drops what follows a refused chunk until it comes again: go back to it
                t.next = Math.min(t.next, chunk);
                t.finSent = false;
                pump();
            }
            case CHUNK_OUT_OF_RANGE, FILE_UNKNOWN -> {
                if (e.seq() < 0 && e.code() == ErrorCode.CHUNK_OUT_OF_RANGE) {
                    // refused at FILE_INIT (chunk size): sending again cannot help
                    finish(t, new ProtocolException(e.code(), e.message()));
                    return true;
                }
                chunksRefused.increment();
                if (++t.reannounces > MAX_REANNOUNCE) {
                    finish(t, new ProtocolException(e.code(), "file '" + t.fileId + "': gave up after " + MAX_REANNOUNCE
                            + " refusals: " + e.message()));
                    return true;
                }
                Channel ch = channel.get();
                if (ch != null) {
                    announce(ch, t);
                    ch.flush();
                }
            }
            default -> finish(t, new ProtocolException(e.code(), e.message()));
        }
        return true;
    }

    /** Writes chunks of every transfer while the connection takes them, within each one's window. */
    void pump() {
        Channel ch = channel.get();
        if (ch == null) {
            return;
        }
        boolean wrote = false;
        boolean progress = true;
        while (progress && ch.isWritable()) {
            progress = false;
            for (Transfer t : new ArrayList<>(transfers.values())) {
                if (!ch.isWritable()) {
                    break;
                }
                if (step(ch, t)) {
                    progress = true;
                    wrote = true;
                }
            }
        }
        if (wrote) {
            ch.flush();
        }
    }

    /** One frame of one transfer, if it has one to send now. */
    private boolean step(Channel ch, Transfer t) {
        if (!t.announced || !t.statusSeen || t.result.isDone()) {
            return false;
        }
        int count = t.layout.chunkCount();
        while (t.next < count && t.committed.get(t.next)) {
            t.next++;
        }
        if (t.next >= count) {
            if (t.committed.cardinality() >= count && !t.finSent) {
                t.finSent = true;
                ch.write(new FileFin(t.fileId), ch.voidPromise());
                return true;
            }
            return false;
        }
        if (t.inFlight() >= t.options.windowChunks()) {
            return false;
        }
        int chunk = t.next;
        byte[] data;
        try {
            data = read(t, chunk);
        } catch (IOException e) {
            finish(t, e);
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(data);
        ch.write(new FileChunk(t.fileId, t.layout.offsetOf(chunk), (int) crc.getValue(), data), ch.voidPromise());
        t.next++;
        t.sent++;
        t.bytes += data.length;
        chunksSent.increment();
        bytesSent.add(data.length);
        if (t.written.get(chunk)) {
            t.resent++;
            chunksResent.increment();
            if (t.everCommitted.get(chunk)) {
                committedResent.increment();
            }
        }
        t.written.set(chunk);
        return true;
    }

    private static byte[] read(Transfer t, int chunk) throws IOException {
        if (t.file == null) {
            t.file = FileChannel.open(t.path, StandardOpenOption.READ);
        }
        if (t.file.size() != t.size) {
            throw new IOException("file " + t.path + " changed while being sent: " + t.file.size() + " bytes, was " + t.size);
        }
        byte[] data = new byte[t.layout.lengthOf(chunk)];
        ByteBuffer b = ByteBuffer.wrap(data);
        long pos = t.layout.offsetOf(chunk);
        while (b.hasRemaining()) {
            int n = t.file.read(b, pos);
            if (n < 0) {
                throw new IOException("file " + t.path + " ended early at " + pos);
            }
            pos += n;
        }
        return data;
    }

    private void finish(Transfer t, Throwable error) {
        if (transfers.remove(t.fileId) != t) {
            return;
        }
        filesActive.decrementAndGet();
        cleanup(t);
        if (error == null) {
            filesCompleted.increment();
            t.result.complete(new FileSendResult(t.fileId, t.name, t.size, t.sha256, t.layout.chunkCount(), t.sent, t.resent, t.bytes,
                    System.nanoTime() - t.startNanos));
            log.debug("device {}: file {} complete ({} chunks sent, {} resent)", deviceId, t.fileId, t.sent, t.resent);
        } else {
            filesFailed.increment();
            log.debug("device {}: file {} failed: {}", deviceId, t.fileId, error.toString());
            t.result.completeExceptionally(error);
        }
    }

    private static void cleanup(Transfer t) {
        if (t.file != null) {
            try {
                t.file.close();
            } catch (IOException e) {
                log.debug("closing {} failed: {}", t.path, e.toString());
            }
            t.file = null;
        }
        if (t.deleteAfter) {
            try {
                Files.deleteIfExists(t.path);
            } catch (IOException e) {
                log.debug("deleting the spooled copy {} failed: {}", t.path, e.toString());
            }
        }
    }

    /** Fails every transfer (the client closed or failed for good). */
    void failAll(Throwable cause) {
        for (Transfer t : List.copyOf(transfers.values())) {
            finish(t, cause);
        }
    }

    DeviceFileStats stats() {
        return new DeviceFileStats(filesStarted.sum(), filesCompleted.sum(), filesFailed.sum(), filesActive.get(), chunksSent.sum(),
                chunksResent.sum(), committedResent.sum(), bytesSent.sum(), chunksRefused.sum());
    }
}
