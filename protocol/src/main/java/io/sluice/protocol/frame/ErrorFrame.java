package io.sluice.protocol.frame;

import io.sluice.protocol.ErrorCode;

/**
 * An error, either direction. If {@link ErrorCode#fatal()} the sender closes the connection
 * after it; otherwise only the reading {@code seq} (or the chunk) was rejected.
 *
 * @param code    what went wrong
 * @param message a precise, human-readable reason
 * @param seq     the sequence number concerned, or -1
 */
public record ErrorFrame(ErrorCode code, String message, long seq) implements Frame {
    public ErrorFrame {
        message = message == null ? "" : message;
    }

    public ErrorFrame(ErrorCode code, String message) {
        this(code, message, -1L);
    }

    @Override
    public FrameType type() {
        return FrameType.ERROR;
    }
}
