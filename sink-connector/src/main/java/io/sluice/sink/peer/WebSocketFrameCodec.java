package io.sluice.sink.peer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.json.FrameJson;
import java.util.List;

/**
 * WebSocket text messages to and from {@link Frame}s in their JSON form ({@link FrameJson}),
 * so a browser speaks the same protocol as a framed peer. Binary messages are refused.
 */
final class WebSocketFrameCodec extends MessageToMessageCodec<WebSocketFrame, Frame> {
    private final ProtocolLimits limits;

    WebSocketFrameCodec(ProtocolLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        out.add(new TextWebSocketFrame(FrameJson.toJson(frame)));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof TextWebSocketFrame text) {
            out.add(FrameJson.fromJson(text.text(), limits));
        } else if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "send each message as one JSON text message, not binary "
                    + "or fragmented");
        }
    }
}
