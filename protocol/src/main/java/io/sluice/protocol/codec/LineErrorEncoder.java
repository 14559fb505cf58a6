package io.sluice.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.json.FrameJson;
import java.nio.charset.StandardCharsets;

/**
 * Netty outbound handler for line mode: an {@link ErrorFrame} becomes one JSON line,
 * {@code {"type":"error","code":"BAD_JSON","message":"line 3: ...","seq":-1}}.
 * Line mode sends nothing else back.
 */
@ChannelHandler.Sharable
public final class LineErrorEncoder extends MessageToByteEncoder<ErrorFrame> {
    public LineErrorEncoder() {
        super(ErrorFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ErrorFrame error, ByteBuf out) {
        out.writeCharSequence(FrameJson.toJson(error), StandardCharsets.UTF_8);
        out.writeByte('\n');
    }
}
