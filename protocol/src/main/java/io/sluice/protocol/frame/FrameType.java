package io.sluice.protocol.frame;

/** The type byte that follows the length of every frame. Codes are stable across versions. */
public enum FrameType {
    HELLO(0x01),
    HELLO_OK(0x02),
    READING(0x03),
    READING_BATCH(0x04),
    ACK(0x05),
    PING(0x06),
    PONG(0x07),
    ERROR(0x08),
    FILE_INIT(0x10),
    FILE_CHUNK(0x11),
    FILE_FIN(0x12),
    FILE_STATUS(0x13),
    PEER_HELLO(0x20),
    SUBSCRIBE(0x21),
    SUBSCRIBED(0x22),
    RECORDS(0x23),
    PEER_ACK(0x24),
    FILE_DELIVERY(0x25);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a wire byte, or null if there is none. */
    public static FrameType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
