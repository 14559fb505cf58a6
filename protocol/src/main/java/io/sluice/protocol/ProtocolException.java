package io.sluice.protocol;

import io.netty.handler.codec.CorruptedFrameException;

/**
 * The one exception the codecs throw for bad input: a typed {@link ErrorCode} and a message
 * precise enough to send back to whoever sent the bytes. Extends Netty's
 * {@link CorruptedFrameException} so it passes through decoder handlers unwrapped.
 */
public class ProtocolException extends CorruptedFrameException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final long seq;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, -1L);
    }

    public ProtocolException(ErrorCode code, String message, long seq) {
        super(message);
        this.code = code;
        this.seq = seq;
    }

    public ErrorCode code() {
        return code;
    }

    /** The sequence number of the reading concerned, or -1. */
    public long seq() {
        return seq;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
