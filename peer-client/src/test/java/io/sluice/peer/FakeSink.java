package io.sluice.peer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.frame.Subscribe;
import io.sluice.protocol.frame.Subscribed;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A scripted sink task on a real socket: answers the handshake, sends what the test says, records acks. */
final class FakeSink implements AutoCloseable {
    final List<PeerHello> hellos = new CopyOnWriteArrayList<>();
    final List<Subscribe> subscribes = new CopyOnWriteArrayList<>();
    final List<Cursor> acks = new CopyOnWriteArrayList<>();
    volatile ErrorFrame refuseWith;
    /** The name this task publishes for itself (first in the endpoints list). */
    volatile String advertised;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private volatile Channel current;

    FakeSink() {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(ProtocolLimits.DEFAULTS), new FrameEncoder(ProtocolLimits.DEFAULTS),
                                new SimpleChannelInboundHandler<Frame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
                                        onFrame(ctx.channel(), f);
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    private void onFrame(Channel ch, Frame f) {
        switch (f.type()) {
            case PEER_HELLO -> {
                hellos.add((PeerHello) f);
                if (refuseWith != null) {
                    ch.writeAndFlush(refuseWith).addListener(x -> ch.close());
                }
            }
            case SUBSCRIBE -> {
                Subscribe s = (Subscribe) f;
                subscribes.add(s);
                current = ch;
                ch.writeAndFlush(new Subscribed(s.topics(), List.of(advertised != null ? advertised : "127.0.0.1:" + port())));
            }
            case PEER_ACK -> acks.addAll(((PeerAck) f).cursors());
            case PING -> ch.writeAndFlush(new Pong(((Ping) f).nonce()));
            default -> {
            }
        }
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port());
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    boolean connected() {
        Channel ch = current;
        return ch != null && ch.isActive();
    }

    static DeliveredRecord record(String topic, int partition, long offset) {
        return new DeliveredRecord(topic, partition, offset, 1_700_000_000_000L, ("d-" + offset).getBytes(StandardCharsets.UTF_8),
                ("{\"id\":" + offset + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends offsets [from, to) of one partition on the current connection. */
    void send(String topic, int partition, long from, long to) {
        List<DeliveredRecord> rs = new ArrayList<>();
        for (long o = from; o < to; o++) {
            rs.add(record(topic, partition, o));
        }
        current.writeAndFlush(new Records(rs)).syncUninterruptibly();
    }

    /** Sends frames (file deliveries, ...) on the current connection. */
    void sendFrames(List<? extends Frame> frames) {
        Channel ch = current;
        for (Frame f : frames) {
            ch.write(f);
        }
        ch.flush().closeFuture();
    }

    /** The last acked offset of a partition, or -1. */
    long lastAck(String topic, int partition) {
        long max = -1;
        for (Cursor c : acks) {
            if (c.topic().equals(topic) && c.partition() == partition) {
                max = Math.max(max, c.offset());
            }
        }
        return max;
    }

    /** Sends a final error on the current connection and closes it, as the sink does. */
    void closeWith(ErrorFrame e) {
        Channel ch = current;
        current = null;
        ch.writeAndFlush(e).addListener(x -> ch.close()).syncUninterruptibly();
        ch.closeFuture().syncUninterruptibly();
    }

    void kill() {
        Channel ch = current;
        current = null;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
