package io.sluice.source.device;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The port-sharing fallback without SO_REUSEPORT: one NIO listener per address and port in this
 * worker (this plugin's class loader), handing each new connection to the next task attached to
 * it. Closed when the last task detaches.
 */
final class SharedAcceptor {
    private static final Map<String, SharedAcceptor> ACCEPTORS = new HashMap<>();

    private final String key;
    private final EventLoopGroup group;
    private final List<ChannelInitializer<SocketChannel>> tasks = new ArrayList<>();
    private Channel server;
    private int next;

    private SharedAcceptor(String key, int threads) {
        this.key = key;
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    }

    /** A task's attachment to a shared listener; closing it detaches the task. */
    interface Lease extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    static Lease attach(String address, int port, int threads, ChannelInitializer<SocketChannel> task) throws InterruptedException {
        synchronized (ACCEPTORS) {
            String key = address + ":" + port;
            SharedAcceptor a = port == 0 ? null : ACCEPTORS.get(key);
            if (a == null) {
                a = new SharedAcceptor(key, threads);
                a.bind(address, port);
                if (port != 0) {
                    ACCEPTORS.put(key, a);
                }
            }
            SharedAcceptor acceptor = a;
            acceptor.tasks.add(task);
            int bound = ((InetSocketAddress) acceptor.server.localAddress()).getPort();
            return new Lease() {
                @Override
                public int port() {
                    return bound;
                }

                @Override
                public void close() {
                    acceptor.detach(task);
                }
            };
        }
    }

    private void bind(String address, int port) throws InterruptedException {
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelInitializer<SocketChannel> t = pick();
                            if (t == null) {
                                ch.close();
                            } else {
                                ch.pipeline().addLast(t);
                            }
                        }
                    })
                    .bind(address, port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private ChannelInitializer<SocketChannel> pick() {
        synchronized (ACCEPTORS) {
            if (tasks.isEmpty()) {
                return null;
            }
            return tasks.get(Math.floorMod(next++, tasks.size()));
        }
    }

    private void detach(ChannelInitializer<SocketChannel> task) {
        synchronized (ACCEPTORS) {
            tasks.remove(task);
            if (!tasks.isEmpty()) {
                return;
            }
            ACCEPTORS.remove(key, this);
        }
        server.close().awaitUninterruptibly(5_000);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
}
