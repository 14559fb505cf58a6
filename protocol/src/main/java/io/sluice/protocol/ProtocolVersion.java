package io.sluice.protocol;

/** Versions of the wire protocol. A server accepts every version from {@link #MIN} to {@link #CURRENT}. */
public final class ProtocolVersion {
    /** The version this library speaks. */
    public static final int CURRENT = 1;
    /** The oldest version a server still accepts. */
    public static final int MIN = 1;

    private ProtocolVersion() {
    }

    public static boolean supported(int version) {
        return version >= MIN && version <= CURRENT;
    }
}
