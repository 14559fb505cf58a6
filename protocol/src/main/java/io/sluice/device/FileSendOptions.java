package io.sluice.device;

import java.nio.file.Path;

/**
 * How {@link DeviceClient#sendFile} sends one file. Start from {@link #defaults()}.
 *
 * @param name          the name receivers see (default: the file's own name); directories such
 *                      as {@code logs/app.log} are kept only by receivers that allow them
 * @param fileId        the transfer's id, unique per device (default: a random one). Give the
 *                      same id again to resume a transfer a previous run of the device began
 * @param chunkBytes    bytes per chunk (default 256 KiB); the source refuses sizes outside its
 *                      {@code files.chunk.min.bytes}..{@code files.chunk.max.bytes} and the frame limit
 * @param windowChunks  chunks sent ahead of the source's acknowledgement (default 16; the source's chunk
 *                      queue bounds what it holds whatever the devices send)
 * @param maxRetries    how often one chunk is sent again after the source refused it
 *                      ({@code CHUNK_CHECKSUM}) before the transfer fails (default 3)
 * @param spoolDirectory where a stream is copied before it is sent (default: the system's temp folder)
 */
public record FileSendOptions(String name, String fileId, int chunkBytes, int windowChunks, int maxRetries, Path spoolDirectory) {
    public static final int DEFAULT_CHUNK_BYTES = 256 << 10;

    public FileSendOptions {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
        }
        if (windowChunks < 1) {
            throw new IllegalArgumentException("windowChunks must be positive, was " + windowChunks);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, was " + maxRetries);
        }
    }

    public static FileSendOptions defaults() {
        return new FileSendOptions(null, null, DEFAULT_CHUNK_BYTES, 16, 3, null);
    }

    public FileSendOptions withName(String v) {
        return new FileSendOptions(v, fileId, chunkBytes, windowChunks, maxRetries, spoolDirectory);
    }

    public FileSendOptions withFileId(String v) {
        return new FileSendOptions(name, v, chunkBytes, windowChunks, maxRetries, spoolDirectory);
    }

    public FileSendOptions withChunkBytes(int v) {
        return new FileSendOptions(name, fileId, v, windowChunks, maxRetries, spoolDirectory);
    }

    public FileSendOptions withWindowChunks(int v) {
        return new FileSendOptions(name, fileId, chunkBytes, v, maxRetries, spoolDirectory);
    }

    public FileSendOptions withMaxRetries(int v) {
        return new FileSendOptions(name, fileId, chunkBytes, windowChunks, v, spoolDirectory);
    }

    public FileSendOptions withSpoolDirectory(Path v) {
        return new FileSendOptions(name, fileId, chunkBytes, windowChunks, maxRetries, v);
    }
}
