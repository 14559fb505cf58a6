package io.sluice.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Frame;

/** Netty outbound handler: {@link Frame}s to bytes. Refuses to send a frame over the limit. */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {
    private final ProtocolLimits limits;

    public FrameEncoder(ProtocolLimits limits) {
        super(Frame.class);
        this.limits = limits;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        int length = FrameCodec.encode(frame, out);
        if (length > limits.maxFrameBytes()) {
            out.writerIndex(start);
            throw new IllegalArgumentException(frame.type() + " frame of " + length + " bytes exceeds the limit of "
                    + limits.maxFrameBytes());
        }
    }
}
