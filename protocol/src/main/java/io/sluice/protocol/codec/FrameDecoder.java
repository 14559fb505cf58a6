package io.sluice.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import java.util.List;

/**
 * Netty inbound handler: bytes to {@link io.sluice.protocol.frame.Frame}s. Reads the length
 * prefix, refuses a frame over the limit before buffering any of it, and recognises the usual
 * wrong clients (TLS, HTTP, line-mode JSON) by their first bytes so their error says so.
 * After the first error it discards all input: the connection is about to be closed.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final ProtocolLimits limits;
    private boolean first = true;
    private boolean failed;

    public FrameDecoder(ProtocolLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.readableBytes() >= FrameCodec.LENGTH_BYTES) {
                int start = in.readerIndex();
                long length = in.getUnsignedInt(start);
                if (length == 0) {
                    throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "frame length is 0: a frame has at least a type byte");
                }
                if (length > limits.maxFrameBytes()) {
                    String tooLarge = "frame of " + length + " bytes exceeds the limit of " + limits.maxFrameBytes();
                    if (first) {
                        sniff(in, tooLarge);
                    }
                    throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, tooLarge);
                }
                first = false;
                if (in.readableBytes() < FrameCodec.LENGTH_BYTES + length) {
                    return;
                }
                ByteBuf frame = in.slice(start + FrameCodec.LENGTH_BYTES, (int) length);
                in.skipBytes(FrameCodec.LENGTH_BYTES + (int) length);
                out.add(FrameCodec.decode(frame, limits));
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** A first "length" this large is often another protocol's first bytes: say which. */
    private static void sniff(ByteBuf in, String tooLarge) {
        int i = in.readerIndex();
        int b0 = in.getUnsignedByte(i);
        int b1 = in.getUnsignedByte(i + 1);
        if (b0 == 0x16 && b1 == 0x03) {
            throw new ProtocolException(ErrorCode.NOT_THIS_PROTOCOL,
                    "received a TLS handshake on a plaintext port: connect without TLS, or to the TLS port (" + tooLarge + ")");
        }
        if (b0 == '{' || b0 == '[') {
            throw new ProtocolException(ErrorCode.NOT_THIS_PROTOCOL,
                    "received JSON text on the framed port: send newline-delimited JSON to the line-mode port (" + tooLarge + ")");
        }
        if (startsWith(in, i, "GET ") || startsWith(in, i, "POST") || startsWith(in, i, "PUT ") || startsWith(in, i, "HEAD")) {
            throw new ProtocolException(ErrorCode.NOT_THIS_PROTOCOL,
                    "received an HTTP request on the framed port: this port speaks the Sluice binary protocol (" + tooLarge + ")");
        }
    }

    private static boolean startsWith(ByteBuf in, int i, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            if (in.getByte(i + k) != ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
