package io.sluice.protocol.file;

import io.sluice.protocol.frame.ByteRange;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * How a file of {@code size} bytes is cut into chunks of {@code chunkSize}: chunk {@code i}
 * starts at {@code i * chunkSize} and every chunk but the last is full. An empty file has one
 * empty chunk at offset 0, so that it too is one record in Kafka and reaches every receiver.
 *
 * @param size      file size in bytes
 * @param chunkSize bytes of every chunk but the last
 */
public record FileLayout(long size, int chunkSize) {
    /**
     * Bytes a {@code FILE_CHUNK} frame takes beyond its data, with the longest file id: type,
     * file id, offset, CRC-32C, data length. A chunk fits a frame limit {@code max} when
     * {@code chunkSize + CHUNK_FRAME_OVERHEAD_BYTES <= max}.
     */
    public static final int CHUNK_FRAME_OVERHEAD_BYTES = 1 + 2 + io.sluice.protocol.ProtocolLimits.MAX_FILE_ID_LENGTH + 8 + 4 + 4;

    public FileLayout {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative, was " + size);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive, was " + chunkSize);
        }
        if (chunks(size, chunkSize) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a file of " + size + " bytes in chunks of " + chunkSize
                    + " bytes has more than " + Integer.MAX_VALUE + " chunks");
        }
    }

    private static long chunks(long size, int chunkSize) {
        return size == 0 ? 1 : (size + chunkSize - 1) / chunkSize;
    }

    /** Number of chunks, at least 1. */
    public int chunkCount() {
        return (int) chunks(size, chunkSize);
    }

    public long offsetOf(int chunk) {
        return (long) chunk * chunkSize;
    }

    /** Bytes in chunk {@code chunk}. */
    public int lengthOf(int chunk) {
        return (int) Math.min(chunkSize, size - offsetOf(chunk));
    }

    /** The chunk that starts at {@code offset}, or -1 if no chunk starts there. */
    public int indexOf(long offset) {
        if (offset < 0 || offset % chunkSize != 0) {
            return -1;
        }
        long i = offset / chunkSize;
        return i < chunkCount() ? (int) i : -1;
    }

    /** The byte ranges covered by a set of chunks, merged ({@code [0, 0)} for the empty file's chunk). */
    public List<ByteRange> ranges(BitSet chunks) {
        List<ByteRange> out = new ArrayList<>();
        int n = chunkCount();
        for (int i = chunks.nextSetBit(0); i >= 0 && i < n; ) {
            int end = chunks.nextClearBit(i);
            int last = Math.min(end, n) - 1;
            out.add(new ByteRange(offsetOf(i), offsetOf(last) + lengthOf(last)));
            i = end >= n ? -1 : chunks.nextSetBit(end);
        }
        return out;
    }

    /** The byte ranges of the first {@code count} chunks. */
    public List<ByteRange> prefix(int count) {
        if (count <= 0) {
            return List.of();
        }
        int last = Math.min(count, chunkCount()) - 1;
        return List.of(new ByteRange(0, offsetOf(last) + lengthOf(last)));
    }

    /** The chunks whose whole extent lies inside one of {@code ranges}. */
    public BitSet chunks(List<ByteRange> ranges) {
        BitSet out = new BitSet();
        int n = chunkCount();
        for (ByteRange r : ranges) {
            long first = (r.start() + chunkSize - 1) / chunkSize;
            for (long i = first; i < n; i++) {
                int c = (int) i;
                long start = offsetOf(c);
                if (start + lengthOf(c) > r.end() || start < r.start()) {
                    break;
                }
                out.set(c);
            }
        }
        return out;
    }
}
