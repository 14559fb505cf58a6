package io.sluice.sink.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import java.util.List;

/**
 * Port unification: one port serves both the framed protocol and WebSocket. An HTTP
 * {@code GET} becomes a WebSocket upgrade on the configured path; anything else is framed
 * (the frame decoder reports other protocols precisely). Replaces itself, passing on the bytes
 * it looked at.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
    private final ProtocolLimits limits;
    private final String webSocketPath;
    private final String handlerName;

    /** @param webSocketPath the WebSocket path, or null when WebSocket is off */
    ProtocolSniffer(ProtocolLimits limits, String webSocketPath, String handlerName) {
        this.limits = limits;
        this.webSocketPath = webSocketPath;
        this.handlerName = handlerName;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        int i = in.readerIndex();
        boolean get = in.getByte(i) == 'G' && in.getByte(i + 1) == 'E' && in.getByte(i + 2) == 'T' && in.getByte(i + 3) == ' ';
        if (get && webSocketPath != null) {
            p.addBefore(handlerName, "http", new HttpServerCodec(4096, 8192, 8192));
            p.addBefore(handlerName, "http-aggregator", new HttpObjectAggregator(16 << 10));
            p.addBefore(handlerName, "websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(webSocketPath)
                    .checkStartsWith(true)
                    .maxFramePayloadLength(limits.maxFrameBytes())
                    .handleCloseFrames(true)
                    .dropPongFrames(true)
                    .build()));
            p.addBefore(handlerName, "http-fallback", new HttpFallback(webSocketPath));
            p.addBefore(handlerName, "json", new WebSocketFrameCodec(limits));
        } else {
            p.addBefore(handlerName, "decoder", new FrameDecoder(limits));
            p.addBefore(handlerName, "encoder", new FrameEncoder(limits));
        }
        p.remove(this);
    }

    /** Any HTTP request that is not the WebSocket upgrade gets a 404 that says where to go. */
    static final class HttpFallback extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String path;

        HttpFallback(String path) {
            this.path = path;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            byte[] body = ("This is a Sluice sink peer port: open a WebSocket at " + path
                    + " or speak the framed protocol.\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                    Unpooled.wrappedBuffer(body));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
