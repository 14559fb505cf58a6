package io.sluice.device;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import io.sluice.protocol.net.Reconnect;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileStatus;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's connection to the Sluice source: sends readings asynchronously in batches,
 * keeps every reading until the source acknowledges it (it is then in Kafka), and after a lost
 * connection reconnects with exponential backoff and jitter and resends what was not
 * acknowledged. The in-flight window is bounded: {@link #send} blocks when it is full, so a
 * stalled source slows the device down instead of growing its memory. Files go the same way, in
 * chunks, interleaved with readings ({@link #sendFile}).
 *
 * <pre>{@code
 * try (DeviceClient c = DeviceClient.start(DeviceClientConfig.builder("pump-7", addr).build())) {
 *     c.send("pressure", 3.2);
 *     c.flush(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class DeviceClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeviceClient.class);
    private static final int DEFAULT_HEARTBEAT_MS = 10_000;

    private final DeviceClientConfig config;
    private final InFlightWindow window;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    private final FileSender files;

    private final LongAdder accepted = new LongAdder();
    private final LongAdder blockedNanos = new LongAdder();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong lastAckedSeq = new AtomicLong(-1);
    private final AtomicLong lastRttNanos = new AtomicLong(-1);

    // confined to the event loop
    private Channel channel;
    private boolean ready;
    private int serverMaxBatch = Integer.MAX_VALUE;
    private long highestWrittenSeq = -1;
    private int endpointIndex;
    private CompletableFuture<Channel> connecting;
    private volatile Throwable failure;

    private DeviceClient(DeviceClientConfig config) {
        this.config = config;
        this.window = new InFlightWindow(config.maxInFlightReadings(), config.maxInFlightBytes());
        if (config.initialSeq() >= 0) {
            window.startAfter(config.initialSeq());
        }
        this.ownsGroup = config.eventLoopGroup() == null;
        this.group = ownsGroup ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : config.eventLoopGroup();
        this.loop = group.next();
        this.files = new FileSender(config.deviceId(), loop, () -> ready ? channel : null);
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis());
    }

    /** Creates the client and starts connecting in the background; sends block until the first handshake. */
    public static DeviceClient start(DeviceClientConfig config) {
        DeviceClient c = new DeviceClient(config);
        c.loop.execute(c::reconnect);
        return c;
    }

    /** Waits for the first successful handshake; false on timeout. Throws if the client failed for good. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        boolean ok = firstConnect.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        rethrowFailure();
        return ok;
    }

    // ------------------------------------------------------------------ sending

    /** Sends a reading stamped now; blocks while the window is full. Returns its seq. */
    public long send(String metric, double value) throws InterruptedException {
        return send(metric, value, System.currentTimeMillis(), Map.of());
    }

    /** Sends a reading; blocks while the window is full. Returns its seq. */
    public long send(String metric, double value, long timestampMs, Map<String, String> tags) throws InterruptedException {
        long seq = trySend(metric, value, timestampMs, tags, Long.MAX_VALUE);
        if (seq < 0) {
            throw new IllegalStateException("window did not open");
        }
        return seq;
    }

    /** Sends a reading, waiting at most {@code timeout} for room; returns its seq, or -1 if the window stayed full. */
    public long trySend(String metric, double value, long timestampMs, Map<String, String> tags, Duration timeout)
            throws InterruptedException {
        return trySend(metric, value, timestampMs, tags, timeout.toNanos());
    }

    private long trySend(String metric, double value, long timestampMs, Map<String, String> tags, long timeoutNanos)
            throws InterruptedException {
        rethrowFailure();
        Reading probe = new Reading(0, timestampMs, metric, value, tags);
        config.limits().checkReading(probe);
        int size = FrameCodec.encodedSize(probe);
        long t0 = System.nanoTime();
        long seq = window.offer(s -> new Reading(s, timestampMs, metric, value, probe.tags()), size, timeoutNanos);
        long waited = System.nanoTime() - t0;
        if (waited > 50_000) {
            blockedNanos.add(waited);
        }
        if (seq >= 0) {
            accepted.increment();
            scheduleFlush();
        }
        return seq;
    }

    /** Waits until every reading sent so far is acknowledged; false on timeout. */
    public boolean flush(Duration timeout) throws InterruptedException {
        loop.execute(this::writePending);
        boolean done = window.awaitEmpty(timeout.toNanos());
        rethrowFailure();
        return done;
    }

    private void scheduleFlush() {
        if (flushPending.compareAndSet(false, true)) {
            if (config.linger().isZero() || window.unsent() >= config.batchMaxReadings()) {
                loop.execute(this::writePending);
            } else {
                loop.schedule(this::writePending, config.linger().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** On the event loop: writes unsent readings while the channel takes them. */
    private void writePending() {
        flushPending.set(false);
        Channel ch = channel;
        if (ch == null || !ready) {
            return;
        }
        int batchMax = Math.min(config.batchMaxReadings(), serverMaxBatch);
        int frameBudget = config.limits().maxFrameBytes() - FrameCodec.BATCH_OVERHEAD_BYTES;
        boolean wrote = false;
        while (ch.isWritable()) {
            List<Reading> batch = window.drainUnsent(batchMax, frameBudget);
            if (batch.isEmpty()) {
                break;
            }
            for (Reading r : batch) {
                if (r.seq() <= highestWrittenSeq) {
                    resent.incrementAndGet();
                } else {
                    sent.incrementAndGet();
                    highestWrittenSeq = r.seq();
                }
            }
            ch.write(batchMax == 1 ? batch.get(0) : new ReadingBatch(batch), ch.voidPromise());
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
        // readings first (small, latency-sensitive), then file chunks with what room is left
        files.pump();
    }

    // ------------------------------------------------------------------ files

    /** Sends the file at {@code path} under its own name; see {@link #sendFile(Path, FileSendOptions)}. */
    public CompletableFuture<FileSendResult> sendFile(Path path) {
        return sendFile(path, FileSendOptions.defaults());
    }

    /**
     * Sends a file to the source in chunks, interleaved with readings. The file is read once here
     * to hash it (SHA-256), then chunk by chunk as the chunks go out: memory holds a few chunks,
     * never the file. The source acknowledges chunks once Kafka has them; after a lost connection
     * the transfer resumes with the chunks the source does not have. Do not change the file
     * until the result is done.
     *
     * @return completes when the source reports the whole file in Kafka and its SHA-256 right;
     *         fails with a {@link ProtocolException} when the source refuses the file (its code
     *         says why: {@code FILE_TOO_LARGE}, {@code BAD_FILE_NAME}, {@code FILE_CHECKSUM}, ...),
     *         or when the client closes first
     */
    public CompletableFuture<FileSendResult> sendFile(Path path, FileSendOptions options) {
        try {
            String name = options.name() != null ? options.name() : String.valueOf(path.getFileName());
            Hashed h = hash(Files.newInputStream(path), null);
            return submitFile(path, false, name, h, options);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Sends what {@code in} holds, under {@code name}: the stream is read to its end now and
     * copied to a temporary file (in {@link FileSendOptions#spoolDirectory()}), which is sent
     * like {@link #sendFile(Path, FileSendOptions)} and deleted afterwards. The stream is closed.
     */
    public CompletableFuture<FileSendResult> sendFile(InputStream in, String name, FileSendOptions options) {
        Path spool = null;
        try {
            Path dir = options.spoolDirectory() != null ? options.spoolDirectory() : Path.of(System.getProperty("java.io.tmpdir"));
            spool = Files.createTempFile(dir, "sluice-send-", ".spool");
            Hashed h;
            try (OutputStream out = Files.newOutputStream(spool)) {
                h = hash(in, out);
            }
            return submitFile(spool, true, name, h, options);
        } catch (IOException | RuntimeException e) {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    private record Hashed(long size, byte[] sha256) {
    }

    /** Reads {@code in} to its end (closing it), copying to {@code copy} if given; size and SHA-256. */
    private static Hashed hash(InputStream in, OutputStream copy) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long size = 0;
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = d.read(buf)) >= 0) {
                size += n;
                if (copy != null) {
                    copy.write(buf, 0, n);
                }
            }
        }
        return new Hashed(size, md.digest());
    }

    private CompletableFuture<FileSendResult> submitFile(Path path, boolean deleteAfter, String name, Hashed h,
            FileSendOptions options) {
        Throwable f = failure;
        if (f != null || closing.get()) {
            throw new IllegalStateException(f != null ? "device client failed: " + describe(f) : "the device client is closed");
        }
        String fileId = options.fileId() != null ? options.fileId() : "f-" + UUID.randomUUID();
        ProtocolLimits.checkFileId(fileId);
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > ProtocolLimits.MAX_FILE_NAME_BYTES) {
            // the only name rule enforced here: a longer name cannot be encoded; the source judges the rest
            throw new ProtocolException(io.sluice.protocol.ErrorCode.BAD_FILE_NAME, "file name is " + nameBytes
                    + " bytes of UTF-8, the limit is " + ProtocolLimits.MAX_FILE_NAME_BYTES);
        }
        int frameRoom = config.limits().maxFrameBytes() - io.sluice.protocol.file.FileLayout.CHUNK_FRAME_OVERHEAD_BYTES;
        if (options.chunkBytes() > frameRoom) {
            throw new IllegalArgumentException("chunks of " + options.chunkBytes() + " bytes do not fit frames of "
                    + config.limits().maxFrameBytes() + " bytes (at most " + frameRoom + ")");
        }
        CompletableFuture<FileSendResult> result = new CompletableFuture<>();
        files.submit(new FileSender.Transfer(fileId, name, path, deleteAfter, h.size(), h.sha256(), options, result));
        return result;
    }

    public DeviceFileStats fileStats() {
        return files.stats();
    }

    // ------------------------------------------------------------------ connection

    private void reconnect() {
        if (closing.get() || failure != null) {
            return;
        }
        connecting = Reconnect.until(group, config.reconnectBackoffMin(), config.reconnectBackoffMax(),
                config.reconnectJitter(), closing::get, config.listener()::reconnectScheduled, this::attempt);
        connecting.whenComplete((ch, e) -> {
            if (e != null && !closing.get()) {
                fail(Reconnect.cause(e));
            }
        });
    }

    /** One connect + handshake attempt; completes when HELLO_OK arrives. */
    private CompletableFuture<Channel> attempt() {
        CompletableFuture<Channel> handshake = new CompletableFuture<>();
        if (closing.get()) {
            handshake.completeExceptionally(new IllegalStateException("closed"));
            return handshake;
        }
        List<InetSocketAddress> endpoints = config.endpoints();
        InetSocketAddress endpoint = endpoints.get(Math.floorMod(endpointIndex++, endpoints.size()));
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (config.ssl() != null) {
                    ch.pipeline().addLast("ssl", config.ssl().newHandler(ch.alloc(), endpoint.getHostString(), endpoint.getPort()));
                }
                ch.pipeline().addLast("decoder", new FrameDecoder(config.limits()));
                ch.pipeline().addLast("encoder", new FrameEncoder(config.limits()));
                ch.pipeline().addLast("handler", new Handler(handshake));
            }
        });
        ChannelFuture cf = b.connect(endpoint);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                handshake.completeExceptionally(f.cause());
                return;
            }
            Channel ch = cf.channel();
            ch.writeAndFlush(new Hello(ProtocolVersion.CURRENT, config.deviceId(), config.token()));
            // the handshake must finish in time too, or the attempt is retried
            ch.eventLoop().schedule(() -> {
                if (handshake.completeExceptionally(new TimeoutException("no HELLO_OK from " + endpoint + " within "
                        + config.connectTimeout().toMillis() + " ms"))) {
                    ch.close();
                }
            }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        });
        return handshake;
    }

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        private final CompletableFuture<Channel> handshake;

        Handler(CompletableFuture<Channel> handshake) {
            this.handshake = handshake;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            switch (frame.type()) {
                case HELLO_OK -> onHelloOk(ctx, ((HelloOk) frame));
                case ACK -> onAck(((Ack) frame).seq());
                case FILE_STATUS -> files.onStatus((FileStatus) frame);
                case ERROR -> onError(ctx, ((ErrorFrame) frame));
                case PING -> ctx.writeAndFlush(new Pong(((Ping) frame).nonce()), ctx.voidPromise());
                case PONG -> lastRttNanos.set(System.nanoTime() - ((Pong) frame).nonce());
                default -> {
                    log.warn("device {}: unexpected {} from the source, closing", config.deviceId(), frame.type());
                    ctx.close();
                }
            }
        }

        private void onHelloOk(ChannelHandlerContext ctx, HelloOk ok) {
            if (!handshake.complete(ctx.channel())) {
                return;
            }
            channel = ctx.channel();
            ready = true;
            serverMaxBatch = Math.max(1, ok.maxBatchReadings());
            int heartbeat = ok.heartbeatIntervalMs() > 0 ? ok.heartbeatIntervalMs() : DEFAULT_HEARTBEAT_MS;
            // pings only when we write nothing: a silent source may just be pushing back (not reading
            // us), which is no reason to reconnect; dead peers are found by TCP keep-alive and errors
            ctx.pipeline().addBefore("handler", "idle", new IdleStateHandler(0, heartbeat, 0, TimeUnit.MILLISECONDS));
            onAck(ok.resumeSeq());
            window.startAfter(Math.max(0, ok.resumeSeq()));
            window.rewind();
            connects.incrementAndGet();
            log.debug("device {} connected to {}, source has up to seq {}", config.deviceId(), ctx.channel().remoteAddress(),
                    ok.resumeSeq());
            config.listener().connected(ctx.channel().remoteAddress(), ok.resumeSeq());
            firstConnect.countDown();
            files.connected(ctx.channel());
            writePending();
        }

        private void onAck(long seq) {
            if (seq <= 0) {
                return;
            }
            lastAckedSeq.accumulateAndGet(seq, Math::max);
            window.ack(seq);
        }

        private void onError(ChannelHandlerContext ctx, ErrorFrame e) {
            config.listener().error(e);
            if (files.onError(e)) {
                log.debug("device {}: {} {}", config.deviceId(), e.code(), e.message());
                return;
            }
            if (!e.code().fatal()) {
                rejected.incrementAndGet();
                log.debug("device {}: reading {} rejected: {} {}", config.deviceId(), e.seq(), e.code(), e.message());
                return;
            }
            ProtocolException pe = new ProtocolException(e.code(), "source refused device " + config.deviceId() + ": "
                    + e.message());
            if (e.code().permanent()) {
                if (!handshake.completeExceptionally(new Reconnect.PermanentFailure(pe))) {
                    fail(pe); // refused on an established connection: no handshake attempt left to abort
                }
            } else {
                handshake.completeExceptionally(pe);
            }
            log.warn("device {}: {} {}", config.deviceId(), e.code(), e.message());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new Ping(System.nanoTime()), ctx.voidPromise());
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                writePending();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            handshake.completeExceptionally(new java.io.IOException("connection closed by the source"));
            if (channel == ctx.channel()) {
                channel = null;
                ready = false;
                files.disconnected();
                config.listener().disconnected(null);
                if (!closing.get() && failure == null) {
                    reconnect();
                }
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("device {}: connection error", config.deviceId(), cause);
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** Marks a failure that retrying cannot fix. */
    private static final class PermanentFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PermanentFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private void fail(Throwable cause) {
        if (failure != null) {
            return;
        }
        failure = cause;
        log.error("device {} gives up: {}", config.deviceId(), cause.getMessage());
        window.fail(new IllegalStateException("device client failed: " + describe(cause), cause));
        loop.execute(() -> files.failAll(new IllegalStateException("device client failed: " + describe(cause), cause)));
        config.listener().failed(cause);
        firstConnect.countDown();
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private static String describe(Throwable t) {
        return t instanceof ProtocolException pe ? pe.code() + ": " + pe.getMessage() : String.valueOf(t.getMessage());
    }

    private void rethrowFailure() {
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("device client failed: " + describe(f), f);
        }
    }

    // ------------------------------------------------------------------ state

    public DeviceClientStats stats() {
        return new DeviceClientStats(accepted.sum(), sent.get(), resent.get(), window.released(), rejected.get(), window.size(),
                window.bytes(), connects.get(), lastAckedSeq.get(), blockedNanos.sum());
    }

    /** Seq of the first reading this client accepted, -1 before it. */
    public long firstSeq() {
        return window.firstSeq();
    }

    /** Seq of the last reading accepted, -1 before the first. */
    public long lastSeq() {
        return window.lastSeq();
    }

    public boolean isConnected() {
        return ready && channel != null && channel.isActive();
    }

    /** Round-trip time of the last heartbeat, or null before the first. */
    public Duration lastRtt() {
        long n = lastRttNanos.get();
        return n < 0 ? null : Duration.ofNanos(n);
    }

    /** Whether the client gave up for good (see {@link DeviceClientListener#failed}). */
    public boolean hasFailed() {
        return failure != null;
    }

    public String deviceId() {
        return config.deviceId();
    }

    /** Flushes for up to 10 s, then closes. Readings still unacknowledged after that are dropped. */
    @Override
    public void close() {
        try {
            if (failure == null && !closing.get()) {
                flush(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("device {}: flush on close failed", config.deviceId(), e);
        }
        closeNow();
    }

    /** Closes at once; unacknowledged readings are dropped. */
    public void closeNow() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        window.close();
        CompletableFuture<Channel> c = connecting;
        if (c != null) {
            c.cancel(false);
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        loop.execute(() -> {
            files.failAll(new IllegalStateException("the device client is closed"));
            Channel ch = channel;
            if (ch != null) {
                ch.close().addListener(f -> closed.complete(null));
            } else {
                closed.complete(null);
            }
        });
        try {
            closed.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("device {}: close did not finish cleanly", config.deviceId(), e);
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
