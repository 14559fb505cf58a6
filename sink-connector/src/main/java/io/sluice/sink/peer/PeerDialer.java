package io.sluice.sink.peer;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dial mode: the task connects out to each configured peer and keeps the connection up,
 * reconnecting with exponential backoff and jitter. Once connected the roles are as in listen
 * mode: the peer sends {@code peer_hello} and {@code subscribe}, the task delivers. Every task
 * dials every peer, so each peer gets all partitions of its subscription.
 */
public final class PeerDialer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerDialer.class);

    private final EventLoopGroup group;
    private final PeerServer.ChannelSettings settings;
    private final PeerHub hub;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final List<Target> targets = new ArrayList<>();
    private volatile boolean closed;

    private PeerDialer(PeerServer.ChannelSettings settings, PeerHub hub, Duration backoffMin, Duration backoffMax) {
        this.group = new MultiThreadIoEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()),
                NioIoHandler.newFactory());
        this.settings = settings;
        this.hub = hub;
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
    }

    public static PeerDialer start(List<InetSocketAddress> peers, PeerServer.ChannelSettings settings, PeerHub hub,
            Duration backoffMin, Duration backoffMax) {
        PeerDialer d = new PeerDialer(settings, hub, backoffMin, backoffMax);
        for (InetSocketAddress a : peers) {
            Target t = d.new Target(a);
            d.targets.add(t);
            t.connect();
        }
        return d;
    }

    private final class Target {
        private final InetSocketAddress address;
        private volatile Channel channel;
        private volatile CompletableFuture<Channel> connecting;

        Target(InetSocketAddress address) {
            this.address = address;
        }

        void connect() {
            if (closed) {
                return;
            }
            RetryPolicy<Channel> policy = RetryPolicy.<Channel>builder()
                    .handle(Throwable.class)
                    .withBackoff(backoffMin, backoffMax)
                    .withJitter(0.2)
                    .withMaxRetries(-1)
                    .abortIf((r, e) -> closed)
                    .onRetryScheduled(e -> log.debug("peer {}: reconnect attempt {} in {} ms", address, e.getAttemptCount(),
                            e.getDelay().toMillis()))
                    .build();
            connecting = Failsafe.with(policy).with(group).getStageAsync(this::attempt).toCompletableFuture();
            connecting.whenComplete((ch, e) -> {
                if (e == null) {
                    log.info("connected to peer {}", address);
                }
            });
        }

        private CompletableFuture<Channel> attempt() {
            CompletableFuture<Channel> done = new CompletableFuture<>();
            InetSocketAddress resolved = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(settings.writeBufferBytes() / 2, settings.writeBufferBytes()))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (settings.ssl() != null) {
                                ch.pipeline().addLast("ssl", settings.ssl().newHandler(ch.alloc(), address.getHostString(),
                                        address.getPort()));
                            }
                            ch.pipeline().addLast("decoder", new FrameDecoder(settings.limits()));
                            ch.pipeline().addLast("encoder", new FrameEncoder(settings.limits()));
                            PeerServer.addSessionHandlers(ch.pipeline(), settings, hub, () -> onClosed(ch));
                        }
                    });
            b.connect(resolved).addListener(f -> {
                if (f.isSuccess()) {
                    Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                    channel = ch;
                    done.complete(ch);
                } else {
                    done.completeExceptionally(f.cause());
                }
            });
            return done;
        }

        private void onClosed(Channel ch) {
            if (channel == ch) {
                channel = null;
                if (!closed) {
                    log.info("connection to peer {} lost; reconnecting", address);
                    connect();
                }
            }
        }

        void close() {
            CompletableFuture<Channel> c = connecting;
            if (c != null) {
                c.cancel(false);
            }
            Channel ch = channel;
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        targets.forEach(Target::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
