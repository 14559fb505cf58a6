package io.sluice.source.file;

import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.file.ResumableSha256;
import io.sluice.protocol.frame.FileStatus;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One file a device is sending, as this task knows it. The source takes chunks in order: the
 * next chunk it accepts is chunk {@code received}, which makes its progress a single number
 * (stored in the source offsets with the SHA-256 state of the bytes before it) and lets it hash
 * the file as it passes. Guarded by its own monitor; the network thread takes chunks, the
 * producer thread reports commits.
 */
public final class FileTransfer {
    enum Status { LOADING, OPEN, COMPLETE, FAILED }

    final String device;
    final String fileId;
    final String name;
    final long size;
    final byte[] sha256;
    final int chunkSize;
    final FileLayout layout;
    final FilePartition partition;

    Status status = Status.LOADING;
    /** Chunks taken in order (the next one accepted is this index). */
    int received;
    /** Chunks whose records Kafka has, in order. */
    int committed;
    /** SHA-256 of chunks [0, received). */
    ResumableSha256 hasher = new ResumableSha256();
    /** A chunk was refused: later ones are dropped until it comes again. */
    boolean awaitingResend;
    /** The device sent FILE_FIN and the SHA-256 matched: write the marker once every chunk is in Kafka. */
    boolean finished;
    boolean markerQueued;
    /** Records handed to the queue and not yet committed. */
    int inFlight;
    long lastActivityMs;
    volatile FileLink link;
    final AtomicBoolean statusScheduled = new AtomicBoolean();

    FileTransfer(String device, String fileId, String name, long size, byte[] sha256, int chunkSize, FileLink link, long nowMs) {
        this.device = device;
        this.fileId = fileId;
        this.name = name;
        this.size = size;
        this.sha256 = sha256;
        this.chunkSize = chunkSize;
        this.layout = new FileLayout(size, chunkSize);
        this.partition = new FilePartition(device, fileId);
        this.link = link;
        this.lastActivityMs = nowMs;
    }

    public String device() {
        return device;
    }

    public String fileId() {
        return fileId;
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    public byte[] sha256() {
        return sha256;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public FilePartition partition() {
        return partition;
    }

    /** Under the monitor: what the device should know now. */
    FileStatus status() {
        return new FileStatus(fileId, layout.prefix(committed), status == Status.COMPLETE);
    }

    synchronized int committedChunks() {
        return committed;
    }

    @Override
    public synchronized String toString() {
        return "FileTransfer[" + device + "/" + fileId + " " + status + ", received " + received + ", committed " + committed + " of "
                + layout.chunkCount() + "]";
    }
}
