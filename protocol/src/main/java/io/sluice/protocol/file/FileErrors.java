package io.sluice.protocol.file;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.frame.ErrorFrame;

/**
 * How file errors name their transfer: the {@code ERROR} frame has no file id field, so the
 * message starts with {@code file '<fileId>': } (file ids cannot contain a quote) and the
 * frame's {@code seq} is the byte offset of the refused chunk, or -1 for the whole file.
 */
public final class FileErrors {
    private static final String PREFIX = "file '";

    private FileErrors() {
    }

    /** A non-fatal error about one transfer (or one of its chunks, at {@code chunkOffset}). */
    public static ErrorFrame error(ErrorCode code, String fileId, long chunkOffset, String message) {
        return new ErrorFrame(code, PREFIX + fileId + "': " + message, chunkOffset);
    }

    /** The file id an error names, or null if it names none. */
    public static String fileIdOf(ErrorFrame e) {
        String m = e.message();
        if (!m.startsWith(PREFIX)) {
            return null;
        }
        int end = m.indexOf('\'', PREFIX.length());
        return end < 0 ? null : m.substring(PREFIX.length(), end);
    }

    /** Whether the code is one of the file transfer errors (all non-fatal). */
    public static boolean isFileError(ErrorCode code) {
        return switch (code) {
            case FILE_TOO_LARGE, BAD_FILE_NAME, CHUNK_CHECKSUM, CHUNK_OUT_OF_RANGE, FILE_UNKNOWN, FILE_CHECKSUM -> true;
            default -> false;
        };
    }
}
