package io.sluice.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Primitive reads and writes of the binary form. Every read checks that the bytes are there
 * before it allocates anything, so a length field can never make a decoder allocate more than
 * the frame it has already received.
 */
final class Wire {
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    private Wire() {
    }

    static void need(ByteBuf in, int bytes, String field) {
        if (in.readableBytes() < bytes) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "frame ends inside '" + field + "': needs "
                    + bytes + " more bytes, " + in.readableBytes() + " left");
        }
    }

    static int u8(ByteBuf in, String field) {
        need(in, 1, field);
        return in.readUnsignedByte();
    }

    static int u16(ByteBuf in, String field) {
        need(in, 2, field);
        return in.readUnsignedShort();
    }

    static int i32(ByteBuf in, String field) {
        need(in, 4, field);
        return in.readInt();
    }

    /** An unsigned 32-bit count or size that must fit an int and not exceed {@code max}. */
    static int u32(ByteBuf in, String field, int max) {
        need(in, 4, field);
        long v = in.readUnsignedInt();
        if (v > max) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' is " + v + ", the limit is " + max);
        }
        return (int) v;
    }

    static long i64(ByteBuf in, String field) {
        need(in, 8, field);
        return in.readLong();
    }

    static double f64(ByteBuf in, String field) {
        need(in, 8, field);
        return in.readDouble();
    }

    static boolean bool(ByteBuf in, String field) {
        int b = u8(in, field);
        if (b > 1) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' must be 0 or 1, was " + b);
        }
        return b == 1;
    }

    /** A string: u16 byte length, then strict UTF-8 (malformed sequences are an error, not replaced). */
    static String str(ByteBuf in, String field, int maxBytes) {
        int len = u16(in, field + " length");
        if (len > maxBytes) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' is " + len
                    + " bytes, the limit is " + maxBytes);
        }
        need(in, len, field);
        return utf8(in, len, field);
    }

    static String utf8(ByteBuf in, int len, String field) {
        int start = in.readerIndex();
        boolean ascii = true;
        for (int i = 0; i < len; i++) {
            if (in.getByte(start + i) < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            String s = in.toString(start, len, StandardCharsets.US_ASCII);
            in.skipBytes(len);
            return s;
        }
        ByteBuffer nio = in.nioBufferCount() == 1 ? in.nioBuffer(start, len) : ByteBuffer.wrap(bytesOf(in, start, len));
        in.skipBytes(len);
        try {
            CharBuffer chars = UTF8.get().reset().decode(nio);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' is not valid UTF-8");
        }
    }

    private static byte[] bytesOf(ByteBuf in, int start, int len) {
        byte[] b = new byte[len];
        in.getBytes(start, b);
        return b;
    }

    /** Bytes: u32 length, then the bytes. */
    static byte[] bytes(ByteBuf in, String field) {
        int len = u32(in, field + " length", Integer.MAX_VALUE);
        need(in, len, field);
        byte[] b = new byte[len];
        in.readBytes(b);
        return b;
    }

    static byte[] fixed(ByteBuf in, int len, String field) {
        need(in, len, field);
        byte[] b = new byte[len];
        in.readBytes(b);
        return b;
    }

    /** A list count (u16) that must not exceed {@code max} nor promise more elements than bytes left. */
    static int count(ByteBuf in, String field, int max, int minElementBytes) {
        int n = u16(in, field + " count");
        if (n > max) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, n + " " + field + ", the limit is " + max);
        }
        if ((long) n * minElementBytes > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, n + " " + field + " cannot fit in the "
                    + in.readableBytes() + " bytes left");
        }
        return n;
    }

    static void writeStr(ByteBuf out, String s, String field, int maxBytes) {
        int lenIndex = out.writerIndex();
        out.writeShort(0);
        int written = out.writeCharSequence(s, StandardCharsets.UTF_8);
        if (written > maxBytes) {
            throw new IllegalArgumentException("'" + field + "' is " + written + " bytes, the limit is " + maxBytes);
        }
        out.setShort(lenIndex, written);
    }

    static void writeBytes(ByteBuf out, byte[] b) {
        out.writeInt(b.length);
        out.writeBytes(b);
    }
}
