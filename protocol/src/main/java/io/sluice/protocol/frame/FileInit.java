package io.sluice.protocol.frame;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Device → source: a file transfer begins (or resumes: the server answers {@link FileStatus}
 * with the ranges already in Kafka).
 *
 * @param fileId    the device's id for this transfer, unique per device
 * @param name      the file name as the device knows it (sanitized by every receiver)
 * @param size      total size in bytes
 * @param sha256    SHA-256 of the whole file, 32 bytes
 * @param chunkSize size of every chunk but the last
 */
public record FileInit(String fileId, String name, long size, byte[] sha256, int chunkSize) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.FILE_INIT;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileInit f && fileId.equals(f.fileId) && name.equals(f.name) && size == f.size
                && Arrays.equals(sha256, f.sha256) && chunkSize == f.chunkSize;
    }

    @Override
    public int hashCode() {
        return fileId.hashCode();
    }

    @Override
    public String toString() {
        return "FileInit[fileId=" + fileId + ", name=" + name + ", size=" + size + ", sha256="
                + HexFormat.of().formatHex(sha256) + ", chunkSize=" + chunkSize + "]";
    }
}
