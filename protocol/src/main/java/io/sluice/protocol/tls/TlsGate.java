package io.sluice.protocol.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * First handler of a TLS port: if the client starts a TLS handshake, puts the {@link SslHandler}
 * in its place; if it speaks plaintext, answers with {@code plaintextRefusal} (an error frame or
 * error line, unencrypted so the client can read it) and closes. Without it a plaintext client
 * would only see the connection drop.
 */
public final class TlsGate extends ByteToMessageDecoder {
    /** Name of the {@link SslHandler} in the pipeline once the gate has opened. */
    public static final String SSL_HANDLER = "ssl";

    private final SslContext context;
    private final byte[] plaintextRefusal;
    private final Runnable onPlaintext;

    public TlsGate(SslContext context, byte[] plaintextRefusal, Runnable onPlaintext) {
        this.context = context;
        this.plaintextRefusal = plaintextRefusal.clone();
        this.onPlaintext = onPlaintext;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            ctx.pipeline().replace(this, SSL_HANDLER, context.newHandler(ctx.alloc()));
        } else {
            in.skipBytes(in.readableBytes());
            onPlaintext.run();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(plaintextRefusal)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
