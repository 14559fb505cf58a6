package io.sluice.protocol.frame;

/** A half-open range {@code [start, end)} of bytes in a file. */
public record ByteRange(long start, long end) {
    public ByteRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad byte range [" + start + ", " + end + ")");
        }
    }

    public long length() {
        return end - start;
    }
}
