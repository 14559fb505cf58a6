package io.sluice.source.device;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import io.sluice.protocol.codec.LineDecoder;
import io.sluice.protocol.codec.LineErrorEncoder;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.json.FrameJson;
import io.sluice.protocol.tls.TlsGate;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.source.config.ListenerTransport;
import io.sluice.source.config.SluiceSourceConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty servers of one task: the framed port and, if enabled, the line-mode port. With
 * epoll every task binds the ports itself with SO_REUSEPORT and the kernel spreads new
 * connections over the tasks of the worker; without it the tasks attach to a
 * {@link SharedAcceptor}.
 */
public final class DeviceListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceListener.class);

    private final EventLoopGroup group;
    private final List<Channel> servers = new ArrayList<>();
    private final List<SharedAcceptor.Lease> leases = new ArrayList<>();
    private final ListenerTransport transport;
    private int framedPort;
    private int linePort = -1;

    private DeviceListener(ListenerTransport transport, EventLoopGroup group) {
        this.transport = transport;
        this.group = group;
    }

    /** Whether SO_REUSEPORT port sharing is available in this JVM. */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    public static DeviceListener start(SluiceSourceConfig config, DeviceHub hub) throws Exception {
        ListenerTransport t = config.listenTransport();
        if (t == ListenerTransport.AUTO) {
            t = epollAvailable() ? ListenerTransport.EPOLL : ListenerTransport.SHARED;
        } else if (t == ListenerTransport.EPOLL && !epollAvailable()) {
            throw new IllegalStateException(SluiceSourceConfig.LISTEN_TRANSPORT_CONFIG + "=epoll but epoll is not available here: "
                    + Epoll.unavailabilityCause());
        }
        EventLoopGroup group = t == ListenerTransport.EPOLL
                ? new MultiThreadIoEventLoopGroup(config.listenerThreads(), EpollIoHandler.newFactory()) : null;
        DeviceListener l = new DeviceListener(t, group);
        try {
            SslContext ssl = null;
            if (config.tlsSettings().isPresent()) {
                TlsSettings tls = config.tlsSettings().get();
                ssl = tls.serverContext();
            }
            l.framedPort = l.open(config, config.listenPort(), framedInitializer(config, hub, ssl));
            if (config.linePort().isPresent()) {
                l.linePort = l.open(config, config.linePort().get(), lineInitializer(config, hub, ssl));
            }
        } catch (Exception e) {
            l.close();
            throw e;
        }
        log.info("listening for devices on {}:{} (framed){} with {} port sharing{}", config.listenAddress(), l.framedPort,
                l.linePort >= 0 ? " and :" + l.linePort + " (line mode)" : "", t.configValue(), config.tlsEnabled() ? ", TLS" : "");
        return l;
    }

    private int open(SluiceSourceConfig config, int port, ChannelInitializer<SocketChannel> init) throws Exception {
        if (transport == ListenerTransport.SHARED) {
            SharedAcceptor.Lease lease = SharedAcceptor.attach(config.listenAddress(), port, config.listenerThreads(), init);
            leases.add(lease);
            return lease.port();
        }
        Channel server;
        try {
            server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .option(EpollChannelOption.SO_REUSEPORT, true)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(init)
                    .bind(config.listenAddress(), port).sync().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.listenAddress() + ":" + port + ": " + e.getMessage()
                    + " (another process may hold the port without SO_REUSEPORT)", e);
        }
        servers.add(server);
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static ChannelInitializer<SocketChannel> framedInitializer(SluiceSourceConfig config, DeviceHub hub, SslContext ssl) {
        byte[] refusal = ssl == null ? null : framedRefusal();
        long idleMs = config.idleTimeout().toMillis();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls-gate", new TlsGate(ssl, refusal, () -> plaintext(hub)));
                }
                p.addLast("decoder", new FrameDecoder(hub.limits()));
                p.addLast("encoder", new FrameEncoder(hub.limits()));
                p.addLast("idle", new IdleStateHandler(idleMs, 0, 0, TimeUnit.MILLISECONDS));
                p.addLast("session", new FramedSession(hub, ssl != null));
            }
        };
    }

    private static ChannelInitializer<SocketChannel> lineInitializer(SluiceSourceConfig config, DeviceHub hub, SslContext ssl) {
        byte[] refusal = ssl == null ? null : lineRefusal();
        long idleMs = config.idleTimeout().toMillis();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast("tls-gate", new TlsGate(ssl, refusal, () -> plaintext(hub)));
                }
                p.addLast("decoder", new LineDecoder(hub.limits(), hub.clock()));
                p.addLast("encoder", new LineErrorEncoder());
                p.addLast("idle", new IdleStateHandler(idleMs, 0, 0, TimeUnit.MILLISECONDS));
                p.addLast("session", new LineSession(hub, ssl != null));
            }
        };
    }

    private static void plaintext(DeviceHub hub) {
        hub.stats().tlsPlaintextRefused.increment();
        hub.stats().error(ErrorCode.NOT_THIS_PROTOCOL);
    }

    private static final String PLAINTEXT_MESSAGE = "this port requires TLS: connect with TLS";

    static byte[] framedRefusal() {
        var buf = Unpooled.buffer();
        try {
            FrameCodec.encode(new ErrorFrame(ErrorCode.NOT_THIS_PROTOCOL, PLAINTEXT_MESSAGE), buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] lineRefusal() {
        return (FrameJson.toJson(new ErrorFrame(ErrorCode.NOT_THIS_PROTOCOL, PLAINTEXT_MESSAGE)) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public ListenerTransport transport() {
        return transport;
    }

    public int framedPort() {
        return framedPort;
    }

    public OptionalInt linePort() {
        return linePort < 0 ? OptionalInt.empty() : OptionalInt.of(linePort);
    }

    /** Stops accepting connections (the hub closes the open ones). */
    @Override
    public void close() {
        for (Channel s : servers) {
            s.close().awaitUninterruptibly(5_000);
        }
        servers.clear();
        for (SharedAcceptor.Lease l : leases) {
            l.close();
        }
        leases.clear();
    }

    /** Frees the network threads; call after the hub closed the connections. */
    public void shutdown() {
        close();
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        }
    }
}
