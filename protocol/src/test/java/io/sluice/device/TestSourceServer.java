package io.sluice.device;

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
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.FileStatus;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.file.FileErrors;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal source for DeviceClient tests: answers HELLO with a resume seq, records every
 * reading (duplicates included), and acks at once or on demand. It can require a token, reject
 * seqs, drop connections and stop reading, to provoke each client behaviour.
 */
final class TestSourceServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final SslContext ssl;
    private Channel server;
    private int port;

    final Map<String, Long> committed = new ConcurrentHashMap<>();
    final Map<String, Set<Long>> received = new ConcurrentHashMap<>();
    final AtomicLong readingsReceived = new AtomicLong();
    final AtomicInteger connections = new AtomicInteger();
    final Set<Long> rejectSeqs = ConcurrentHashMap.newKeySet();
    final List<Channel> channels = new CopyOnWriteArrayList<>();
    volatile boolean autoAck = true;
    volatile boolean readAfterHello = true;
    volatile String requiredToken;

    TestSourceServer(SslContext ssl) {
        this.ssl = ssl;
    }

    TestSourceServer() {
        this(null);
    }

    TestSourceServer start(int wantedPort) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        channels.add(ch);
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new FrameDecoder(ProtocolLimits.DEFAULTS), new FrameEncoder(ProtocolLimits.DEFAULTS),
                                new Handler());
                    }
                })
                .bind("127.0.0.1", wantedPort).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
        return this;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    int port() {
        return port;
    }

    /** Closes every device connection without acking what they sent. */
    void dropConnections() {
        channels.forEach(Channel::close);
    }

    /** Stops reading every connection (the clients' TCP windows close). */
    void stopReading() {
        readAfterHello = false;
        channels.forEach(ch -> ch.config().setAutoRead(false));
    }

    void resumeReading() {
        readAfterHello = true;
        channels.forEach(ch -> ch.config().setAutoRead(true));
    }

    /** Acks everything received so far, on every connection. */
    void ackAll() {
        for (Channel ch : channels) {
            String device = ch.attr(Handler.DEVICE).get();
            if (device != null && committed.containsKey(device)) {
                ch.writeAndFlush(new Ack(committed.get(device)));
            }
        }
    }

    long distinctReceived(String device) {
        return received.getOrDefault(device, Set.of()).size();
    }

    void stop() throws InterruptedException {
        // the listening socket first: a client reconnects at once when its connection closes, and
        // would otherwise be accepted again in between
        server.close().sync();
        channels.forEach(Channel::close);
        channels.clear();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        static final io.netty.util.AttributeKey<String> DEVICE = io.netty.util.AttributeKey.valueOf("device");
        /** Highest seq seen from this device; acks may only cover what was actually received. */
        private final Map<String, Long> seen = new ConcurrentHashMap<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            switch (f.type()) {
                case HELLO -> {
                    Hello h = (Hello) f;
                    if (requiredToken != null && !requiredToken.equals(h.token())) {
                        ctx.writeAndFlush(new ErrorFrame(ErrorCode.AUTH_FAILED, "wrong token for device " + h.deviceId()))
                                .addListener(x -> ctx.close());
                        return;
                    }
                    ctx.channel().attr(DEVICE).set(h.deviceId());
                    long resume = committed.getOrDefault(h.deviceId(), 0L);
                    ctx.writeAndFlush(new HelloOk(ProtocolVersion.CURRENT, resume, ProtocolLimits.DEFAULT_MAX_FRAME_BYTES,
                            ProtocolLimits.DEFAULT_MAX_BATCH_READINGS, 1000));
                    if (!readAfterHello) {
                        ctx.channel().config().setAutoRead(false);
                    }
                }
                case READING -> onReadings(ctx, List.of((Reading) f));
                case READING_BATCH -> onReadings(ctx, ((ReadingBatch) f).readings());
                case PING -> ctx.writeAndFlush(new Pong(((Ping) f).nonce()));
                case FILE_INIT -> onFileInit(ctx, (FileInit) f);
                case FILE_CHUNK -> onFileChunk(ctx, (FileChunk) f);
                case FILE_FIN -> onFileFin(ctx, (FileFin) f);
                default -> {
                }
            }
        }

        private void onReadings(ChannelHandlerContext ctx, List<Reading> readings) {
            String device = ctx.channel().attr(DEVICE).get();
            long max = -1;
            for (Reading r : readings) {
                readingsReceived.incrementAndGet();
                received.computeIfAbsent(device, d -> ConcurrentHashMap.newKeySet()).add(r.seq());
                if (rejectSeqs.contains(r.seq())) {
                    ctx.write(new ErrorFrame(ErrorCode.BAD_VALUE, "rejected for the test", r.seq()));
                }
                max = Math.max(max, r.seq());
            }
            long top = max;
            seen.merge(device, top, Math::max);
            if (autoAck) {
                committed.merge(device, top, Math::max);
                ctx.write(new Ack(committed.get(device)));
            } else {
                // remember what could be acked later by ackAll()
                committed.merge(device, 0L, Math::max);
                pending.merge(device, top, Math::max);
            }
            ctx.flush();
        }
    }

    // ------------------------------------------------------------------ files (in memory, chunks taken in order)

    /** One file as this test source holds it. */
    static final class TestFile {
        final FileInit init;
        final FileLayout layout;
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int next;
        boolean complete;
        boolean awaitingResend;
        final AtomicInteger chunkFrames = new AtomicInteger();

        TestFile(FileInit init) {
            this.init = init;
            this.layout = new FileLayout(init.size(), init.chunkSize());
        }
    }

    final Map<String, TestFile> files = new ConcurrentHashMap<>();
    /** Chunk offsets to refuse once with CHUNK_CHECKSUM. */
    final Set<Long> refuseChunkOnce = ConcurrentHashMap.newKeySet();
    /** Close the connection after this many chunk frames in all (0: never). */
    final AtomicInteger closeAfterChunks = new AtomicInteger();
    final AtomicInteger chunkFramesTotal = new AtomicInteger();
    volatile ErrorFrame refuseFilesWith;
    volatile long maxFileBytes = Long.MAX_VALUE;

    private void onFileInit(ChannelHandlerContext ctx, FileInit init) {
        if (refuseFilesWith != null) {
            ctx.writeAndFlush(FileErrors.error(refuseFilesWith.code(), init.fileId(), -1, refuseFilesWith.message()));
            return;
        }
        if (init.size() > maxFileBytes) {
            ctx.writeAndFlush(FileErrors.error(ErrorCode.FILE_TOO_LARGE, init.fileId(), -1, init.size() + " bytes, the limit is "
                    + maxFileBytes));
            return;
        }
        TestFile t = files.computeIfAbsent(init.fileId(), id -> new TestFile(init));
        ctx.writeAndFlush(status(t));
    }

    private static FileStatus status(TestFile t) {
        return new FileStatus(t.init.fileId(), t.layout.prefix(t.next), t.complete);
    }

    private void onFileChunk(ChannelHandlerContext ctx, FileChunk c) {
        TestFile t = files.get(c.fileId());
        if (t == null) {
            ctx.writeAndFlush(FileErrors.error(ErrorCode.FILE_UNKNOWN, c.fileId(), c.offset(), "send FILE_INIT first"));
            return;
        }
        t.chunkFrames.incrementAndGet();
        int total = chunkFramesTotal.incrementAndGet();
        int index = t.layout.indexOf(c.offset());
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(c.data());
        if (index == t.next && ((int) crc.getValue() != c.crc32c() || refuseChunkOnce.remove(c.offset()))) {
            t.awaitingResend = true;
            ctx.writeAndFlush(FileErrors.error(ErrorCode.CHUNK_CHECKSUM, c.fileId(), c.offset(), "CRC-32C does not match"));
        } else if (index == t.next) {
            t.bytes.writeBytes(c.data());
            t.next++;
            t.awaitingResend = false;
            ctx.writeAndFlush(status(t));
        } else if (index >= 0 && index < t.next) {
            ctx.writeAndFlush(status(t));
        } else if (!t.awaitingResend) {
            ctx.writeAndFlush(FileErrors.error(ErrorCode.CHUNK_OUT_OF_RANGE, c.fileId(), c.offset(), "expected offset "
                    + t.layout.offsetOf(t.next)));
        }
        int limit = closeAfterChunks.get();
        if (limit > 0 && total >= limit && closeAfterChunks.compareAndSet(limit, 0)) {
            ctx.close();
        }
    }

    private void onFileFin(ChannelHandlerContext ctx, FileFin fin) {
        TestFile t = files.get(fin.fileId());
        if (t == null) {
            ctx.writeAndFlush(FileErrors.error(ErrorCode.FILE_UNKNOWN, fin.fileId(), -1, "send FILE_INIT first"));
            return;
        }
        if (t.next < t.layout.chunkCount()) {
            ctx.writeAndFlush(status(t));
            return;
        }
        byte[] sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256").digest(t.bytes.toByteArray());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!java.util.Arrays.equals(sha, t.init.sha256())) {
            ctx.writeAndFlush(FileErrors.error(ErrorCode.FILE_CHECKSUM, fin.fileId(), -1, "SHA-256 does not match"));
            return;
        }
        t.complete = true;
        ctx.writeAndFlush(status(t));
    }

    /** Readings received but held back from acking (autoAck off); ackAll() does not release these. */
    final Map<String, Long> pending = new ConcurrentHashMap<>();

    /** Commits what was held back and acks it. */
    void commitPendingAndAck() {
        pending.forEach((d, s) -> committed.merge(d, s, Math::max));
        pending.clear();
        ackAll();
    }
}
