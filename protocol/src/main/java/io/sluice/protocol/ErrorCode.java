package io.sluice.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Every error the protocol can report, with its stable numeric code on the wire.
 * A {@linkplain #fatal() fatal} error closes the connection after the error frame;
 * a non-fatal one rejects a single reading (or chunk) and the connection goes on.
 */
public enum ErrorCode {
    // framing: always fatal, the byte stream cannot be trusted any more
    MALFORMED_FRAME(1, true),
    FRAME_TOO_LARGE(2, true),
    UNSUPPORTED_VERSION(3, true),
    UNKNOWN_FRAME_TYPE(4, true),
    NOT_THIS_PROTOCOL(5, true),
    LINE_TOO_LONG(6, true),
    BAD_JSON(7, true),
    UNEXPECTED_FRAME(8, true),
    // session
    HELLO_REQUIRED(20, true),
    BAD_DEVICE_ID(21, true),
    AUTH_FAILED(22, true),
    NOT_ALLOWED(23, true),
    TOO_MANY_CONNECTIONS(24, true),
    IDLE_TIMEOUT(25, true),
    SHUTTING_DOWN(26, true),
    /** A newer connection of the same durable peer took over: reconnecting is right, giving up is not. */
    REPLACED(27, true),
    // readings: non-fatal, the reading named by the error's seq is rejected
    BAD_METRIC(40, false),
    BAD_VALUE(41, false),
    BAD_TIMESTAMP(42, false),
    BAD_TAGS(43, false),
    BATCH_TOO_LARGE(44, true),
    // files: non-fatal, the device may retry the chunk or the file
    FILE_TOO_LARGE(60, false),
    BAD_FILE_NAME(61, false),
    CHUNK_CHECKSUM(62, false),
    CHUNK_OUT_OF_RANGE(63, false),
    FILE_UNKNOWN(64, false),
    FILE_CHECKSUM(65, false),
    // peers
    BAD_SUBSCRIPTION(80, true),
    SUBSCRIPTION_DENIED(81, true),
    SLOW_CONSUMER(82, true),
    // anything else
    INTERNAL(99, true);

    private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();

    static {
        for (ErrorCode c : values()) {
            BY_CODE.put(c.code, c);
        }
    }

    private final int code;
    private final boolean fatal;

    ErrorCode(int code, boolean fatal) {
        this.code = code;
        this.fatal = fatal;
    }

    public int code() {
        return code;
    }

    /** Whether the sender closes the connection after reporting this error. */
    public boolean fatal() {
        return fatal;
    }

    /** Whether a client should give up instead of reconnecting: retrying cannot help. */
    public boolean permanent() {
        return this == AUTH_FAILED || this == BAD_DEVICE_ID || this == NOT_ALLOWED
                || this == UNSUPPORTED_VERSION || this == SUBSCRIPTION_DENIED || this == BAD_SUBSCRIPTION;
    }

    /** The code for a wire value; unknown values (a newer peer) map to {@link #INTERNAL}. */
    public static ErrorCode fromCode(int code) {
        return BY_CODE.getOrDefault(code, INTERNAL);
    }
}
