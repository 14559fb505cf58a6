package io.sluice.sink.peer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.tls.TlsGate;
import io.sluice.sink.metrics.SinkMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port of one sink task (listen mode): framed TCP, optionally behind TLS, and
 * WebSocket on the same port. Every connection becomes a {@link PeerChannelHandler} session of
 * the {@link PeerHub}.
 */
public final class PeerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerServer.class);

    /** Netty settings shared by the listening and the dialling side. */
    public record ChannelSettings(ProtocolLimits limits, SslContext ssl, String webSocketPath, Duration heartbeat,
            Duration idleTimeout, int writeBufferBytes) {
    }

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;

    private PeerServer(EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel) {
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
    }

    /** Binds and starts serving; port 0 picks a free port ({@link #port()}). */
    public static PeerServer start(String host, int port, ChannelSettings settings, PeerHub hub, SinkMetrics metrics)
            throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()),
                NioIoHandler.newFactory());
        byte[] refusal = refusal();
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.writeBufferBytes() / 2, settings.writeBufferBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (settings.ssl() != null) {
                            p.addLast("tls-gate", new TlsGate(settings.ssl(), refusal,
                                    () -> metrics.disconnected("plaintext_on_tls_port")));
                        }
                        p.addLast("sniffer", new ProtocolSniffer(settings.limits(), settings.webSocketPath(), "idle"));
                        addSessionHandlers(p, settings, hub);
                    }
                });
        try {
            Channel ch = b.bind(host, port).sync().channel();
            PeerServer server = new PeerServer(boss, workers, ch);
            log.info("peer port listening on {} (TLS {}, WebSocket {})", ch.localAddress(),
                    settings.ssl() != null ? "on" : "off", settings.webSocketPath() == null ? "off" : settings.webSocketPath());
            return server;
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The handlers after the codec: heartbeats and the session. */
    static void addSessionHandlers(ChannelPipeline p, ChannelSettings settings, PeerHub hub) {
        addSessionHandlers(p, settings, hub, () -> {
        });
    }

    static void addSessionHandlers(ChannelPipeline p, ChannelSettings settings, PeerHub hub, Runnable onClosed) {
        // reader idle only: a peer that sends nothing (not even pongs) for the idle timeout is dead
        p.addLast("idle", new IdleStateHandler(settings.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        p.addLast("session", new PeerChannelHandler(hub, settings.heartbeat(), onClosed));
    }

    private static byte[] refusal() {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(new ErrorFrame(ErrorCode.NOT_THIS_PROTOCOL,
                "this port speaks TLS: connect with TLS (a plaintext connection cannot be served here)"), buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
