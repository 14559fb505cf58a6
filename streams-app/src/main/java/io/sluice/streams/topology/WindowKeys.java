package io.sluice.streams.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/** The byte layouts of the window stores' keys: longs sort as numbers, windows by when they close. */
final class WindowKeys {
    private WindowKeys() {
    }

    /** Big-endian with the sign bit flipped, so byte order is numeric order. */
    static byte[] encodeLong(long v) {
        return ByteBuffer.allocate(8).putLong(v ^ Long.MIN_VALUE).array();
    }

    static long decodeLong(byte[] b, int offset) {
        return ByteBuffer.wrap(b, offset, 8).getLong() ^ Long.MIN_VALUE;
    }

    /** Time windows: {@code [start][group]}, so windows sort by when they close. */
    static Bytes timeWindowKey(long start, byte[] group) {
        return Bytes.wrap(ByteBuffer.allocate(8 + group.length).putLong(start ^ Long.MIN_VALUE).put(group).array());
    }

    static String groupOfTimeWindow(byte[] key) {
        return new String(key, 8, key.length - 8, StandardCharsets.UTF_8);
    }

    /** Sessions: {@code [len][group][start]}, so one key's sessions are one range. */
    static Bytes sessionKey(byte[] group, long start) {
        ByteBuffer b = ByteBuffer.allocate(2 + group.length + 8);
        b.putShort((short) group.length).put(group).putLong(start ^ Long.MIN_VALUE);
        return Bytes.wrap(b.array());
    }

    static String groupOfSession(byte[] windowKey) {
        int len = ByteBuffer.wrap(windowKey, 0, 2).getShort() & 0xffff;
        return new String(windowKey, 2, len, StandardCharsets.UTF_8);
    }

    /** The sessions' close index: {@code [close time][session key]}. */
    static Bytes closingKey(long closeTime, Bytes windowKey) {
        byte[] wk = windowKey.get();
        return Bytes.wrap(ByteBuffer.allocate(8 + wk.length).put(encodeLong(closeTime)).put(wk).array());
    }
}
