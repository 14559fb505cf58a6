package io.sluice.protocol.frame;

import java.util.Arrays;

/**
 * Device → source: one chunk of a file, addressed by byte offset.
 *
 * @param fileId the transfer
 * @param offset byte offset of the chunk in the file, a multiple of the chunk size
 * @param crc32c CRC-32C of {@code data}
 * @param data   the bytes
 */
public record FileChunk(String fileId, long offset, int crc32c, byte[] data) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.FILE_CHUNK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileChunk f && fileId.equals(f.fileId) && offset == f.offset && crc32c == f.crc32c
                && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
        return fileId.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return "FileChunk[fileId=" + fileId + ", offset=" + offset + ", crc32c=" + Integer.toHexString(crc32c)
                + ", bytes=" + data.length + "]";
    }
}
