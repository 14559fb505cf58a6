package io.sluice.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.file.AssemblerStats;
import io.sluice.file.FileAssembler;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.FrameEncoder;
import io.sluice.protocol.net.Reconnect;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileDelivery;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.frame.Subscribe;
import io.sluice.protocol.frame.Subscribed;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer of the Sluice sink: subscribes, receives records, acknowledges what it processed,
 * and after a lost connection reconnects with exponential backoff and jitter, subscribes again
 * and resumes after its last processed cursor. It connects to every sink task (the sink lists
 * them), drops duplicates by (topic, partition, offset), and keeps a bounded buffer: when the
 * application falls behind, it stops reading the sockets and the sink slows down.
 *
 * <p>Files the sink delivers (its {@code files.topics}) are reassembled in a destination folder
 * when one is configured ({@link PeerClientConfig.Builder#filesFolder}): chunks are checked,
 * written once, acknowledged when on disk, and a {@link io.sluice.file.FileReceivedListener}
 * hears of each finished file. They never reach {@link #poll} and the like.
 *
 * <p>Consume with one of: {@link #poll}, {@link #iterator()}, {@link #publisher()} or
 * {@link #onRecord}. With {@link AckMode#AUTO} a record is processed once the application is
 * done with it (the next poll, the next iterator step, the callback or {@code onNext} returned);
 * with {@link AckMode#MANUAL} call {@link #ack}.
 *
 * <pre>{@code
 * try (PeerClient peer = PeerClient.start(PeerClientConfig.builder()
 *         .endpoint(new InetSocketAddress("sink-host", 7071)).peerName("dashboard").topics("aggregates").build())) {
 *     for (DeliveredRecord r : peer) { ... }
 * }
 * }</pre>
 */
public final class PeerClient implements AutoCloseable, Iterable<DeliveredRecord> {
    private static final Logger log = LoggerFactory.getLogger(PeerClient.class);

    /** A topic partition. */
    public record Part(String topic, int partition) {
    }

    private final PeerClientConfig config;
    private final EventLoopGroup group;
    private final DeliveryBuffer buffer;
    private final FileReceiver files;
    private final LongAdder fileChunksIgnored = new LongAdder();
    private final AtomicBoolean warnedNoFolder = new AtomicBoolean();
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final Map<Part, Long> received = new ConcurrentHashMap<>();
    private final Map<Part, Long> processed = new ConcurrentHashMap<>();
    private final AtomicBoolean ackDirty = new AtomicBoolean();
    private final AtomicBoolean readPaused = new AtomicBoolean();
    private final Object readGate = new Object();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean consumerTaken = new AtomicBoolean();
    private final CountDownLatch firstSubscribed = new CountDownLatch(1);
    private final LongAdder receivedCount = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder processedCount = new LongAdder();
    private final LongAdder acksSent = new LongAdder();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong lastRttNanos = new AtomicLong(-1);
    private volatile Throwable failure;
    private volatile Channel serverChannel;
    private ScheduledFuture<?> ackTask;
    /** The record last handed out by poll/iterator, processed when the next one is asked for (auto mode). */
    private volatile DeliveredRecord pendingAuto;

    private PeerClient(PeerClientConfig config) {
        this.config = config;
        this.group = new MultiThreadIoEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()),
                NioIoHandler.newFactory());
        this.buffer = new DeliveryBuffer(config.bufferMaxRecords(), config.bufferMaxBytes());
        this.files = config.files() == null ? null : openFiles(config.files());
        for (Cursor c : config.resumeFrom()) {
            Part p = new Part(c.topic(), c.partition());
            received.merge(p, c.offset(), Math::max);
            processed.merge(p, c.offset(), Math::max);
        }
    }

    private FileReceiver openFiles(PeerClientConfig.Files f) {
        FileAssembler.Settings s = FileAssembler.Settings.of(f.folder()).withAllowDirectories(f.allowDirectories())
                .withPartialTtl(f.partialTtl()).withFsync(f.fsync());
        try {
            return new FileReceiver(s, f.listener(), f.queueChunks(), f.queueBytes(),
                    d -> markProcessed(d.topic(), d.partition(), d.offset()), this::afterTake);
        } catch (java.io.IOException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new java.io.UncheckedIOException("cannot use " + f.folder() + " as the files folder: " + e.getMessage(), e);
        }
    }

    /** Creates the client and starts connecting (and listening, if configured) in the background. */
    public static PeerClient start(PeerClientConfig config) {
        PeerClient c = new PeerClient(config);
        try {
            if (config.listen() != null) {
                c.listen(config.listen());
            }
            for (InetSocketAddress a : config.endpoints()) {
                c.addLink(a, false);
            }
            long every = Math.max(10, config.ackInterval().toMillis());
            c.ackTask = c.group.next().scheduleAtFixedRate(c::flushAcks, every, every, TimeUnit.MILLISECONDS);
            return c;
        } catch (RuntimeException e) {
            c.closeNow();
            throw e;
        }
    }

    // ------------------------------------------------------------------ consuming

    /**
     * Waits up to {@code timeout} for the next record; null if none came. In auto mode the record
     * returned by the previous call counts as processed now.
     *
     * @throws IllegalStateException if the client failed for good (the cause says why)
     */
    public DeliveredRecord poll(Duration timeout) throws InterruptedException {
        completePendingAuto();
        rethrowFailure();
        DeliveredRecord r = buffer.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        afterTake();
        if (r == null) {
            rethrowFailure();
            return null;
        }
        if (config.ackMode() == AckMode.AUTO) {
            pendingAuto = r;
        }
        return r;
    }

    private void completePendingAuto() {
        DeliveredRecord p = pendingAuto;
        if (p != null) {
            pendingAuto = null;
            markProcessed(p.topic(), p.partition(), p.offset());
        }
    }

    /**
     * A blocking iterator over the records: {@code hasNext()} waits for the next record and
     * returns false only once the client is closed; it throws if the client failed for good.
     */
    @Override
    public Iterator<DeliveredRecord> iterator() {
        return new Iterator<>() {
            private DeliveredRecord next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    try {
                        next = poll(Duration.ofMillis(200));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                    if (next == null && closing.get()) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public DeliveredRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                DeliveredRecord r = next;
                next = null;
                return r;
            }
        };
    }

    /**
     * Calls {@code callback} for every record on a thread of its own, in arrival order; in
     * auto mode a record is processed when the callback returns. A callback that throws stops
     * delivery (the record is not acknowledged) and the client fails with that exception.
     */
    public void onRecord(Consumer<DeliveredRecord> callback) {
        takeConsumer();
        Thread t = new Thread(() -> {
            try {
                while (!closing.get() && failure == null) {
                    DeliveredRecord r = buffer.poll(200, TimeUnit.MILLISECONDS);
                    afterTake();
                    if (r == null) {
                        continue;
                    }
                    callback.accept(r);
                    if (config.ackMode() == AckMode.AUTO) {
                        markProcessed(r.topic(), r.partition(), r.offset());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("peer callback failed; the client stops", e);
                fail(e);
            }
        }, "sluice-peer-callback");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The records as a {@link Flow.Publisher} for one subscriber; demand drives reading (no
     * demand: the buffer fills and the sink is slowed down). In auto mode a record is processed
     * when {@code onNext} returns. {@code onComplete} on close, {@code onError} on failure.
     */
    public Flow.Publisher<DeliveredRecord> publisher() {
        return subscriber -> {
            if (!consumerTaken.compareAndSet(false, true)) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                subscriber.onError(new IllegalStateException("this PeerClient already has a consumer"));
                return;
            }
            new RecordSubscription(subscriber).start();
        };
    }

    private void takeConsumer() {
        if (!consumerTaken.compareAndSet(false, true)) {
            throw new IllegalStateException("this PeerClient already has a consumer");
        }
    }

    private final class RecordSubscription implements Flow.Subscription {
        private final Flow.Subscriber<? super DeliveredRecord> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final Object signal = new Object();
        private volatile boolean cancelled;

        RecordSubscription(Flow.Subscriber<? super DeliveredRecord> subscriber) {
            this.subscriber = subscriber;
        }

        void start() {
            subscriber.onSubscribe(this);
            Thread t = new Thread(this::run, "sluice-peer-publisher");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancelled = true;
                subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            synchronized (signal) {
                signal.notifyAll();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            synchronized (signal) {
                signal.notifyAll();
            }
        }

        private void run() {
            try {
                while (!cancelled) {
                    if (failure != null) {
                        subscriber.onError(failure);
                        return;
                    }
                    if (demand.get() == 0) {
                        if (closing.get()) {
                            break;
                        }
                        synchronized (signal) {
                            if (demand.get() == 0 && !cancelled) {
                                signal.wait(200);
                            }
                        }
                        continue;
                    }
                    DeliveredRecord r = buffer.poll(200, TimeUnit.MILLISECONDS);
                    afterTake();
                    if (r == null) {
                        if (closing.get()) {
                            break;
                        }
                        continue;
                    }
                    demand.decrementAndGet();
                    subscriber.onNext(r);
                    if (config.ackMode() == AckMode.AUTO) {
                        markProcessed(r.topic(), r.partition(), r.offset());
                    }
                }
                if (!cancelled) {
                    subscriber.onComplete();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                cancelled = true;
                subscriber.onError(e);
            }
        }
    }

    // ------------------------------------------------------------------ acks

    /** Manual mode: {@code record} and everything before it in its partition are processed. */
    public void ack(DeliveredRecord record) {
        markProcessed(record.topic(), record.partition(), record.offset());
    }

    /** Manual mode: everything up to the cursor's offset (inclusive) in its partition is processed. */
    public void ack(Cursor cursor) {
        markProcessed(cursor.topic(), cursor.partition(), cursor.offset());
    }

    private void markProcessed(String topic, int partition, long offset) {
        processed.merge(new Part(topic, partition), offset, Math::max);
        processedCount.increment();
        ackDirty.set(true);
    }

    /** The last processed offset of every partition: save them to resume after a restart. */
    public List<Cursor> cursors() {
        List<Cursor> out = new ArrayList<>();
        processed.forEach((p, o) -> out.add(new Cursor(p.topic(), p.partition(), o)));
        out.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                : a.topic().compareTo(b.topic()));
        return out;
    }

    /** Sends the processed cursors now (also done every ack interval). */
    public void flushAcks() {
        if (!ackDirty.getAndSet(false)) {
            return;
        }
        PeerAck ack = new PeerAck(cursors());
        if (ack.cursors().isEmpty()) {
            return;
        }
        for (Channel ch : channels) {
            if (ch.isActive() && Boolean.TRUE.equals(ch.attr(Handler.SUBSCRIBED).get())) {
                ch.writeAndFlush(ack, ch.voidPromise());
                acksSent.increment();
            }
        }
    }

    // ------------------------------------------------------------------ connections

    private static String key(InetSocketAddress a) {
        InetSocketAddress r = a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
        return (r.getAddress() == null ? r.getHostString() : r.getAddress().getHostAddress()) + ":" + r.getPort();
    }

    private void addLink(InetSocketAddress address, boolean discovered) {
        String k = key(address);
        if (closing.get() || failure != null) {
            return;
        }
        Link fresh = new Link(address, discovered);
        if (links.putIfAbsent(k, fresh) == null) {
            fresh.connect();
        }
    }

    private void alias(String endpoint, Link link) {
        InetSocketAddress a = parse(endpoint);
        if (a != null) {
            links.putIfAbsent(key(a), link);
        }
    }

    private static InetSocketAddress parse(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            String host = endpoint.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host, Integer.parseInt(endpoint.substring(colon + 1)));
        } catch (RuntimeException e) {
            log.debug("ignoring endpoint {}: {}", endpoint, e.toString());
            return null;
        }
    }

    private void follow(List<String> endpoints) {
        // A listening peer is dialled by every task (dial mode): following the tasks' listen endpoints as
        // well would connect it twice to one task under one durable name, and each connection would
        // replace the other without end.
        if (!config.followEndpoints() || config.listen() != null) {
            return;
        }
        for (String e : endpoints) {
            InetSocketAddress a = parse(e);
            if (a != null) {
                addLink(a, true);
            }
        }
    }

    private void listen(InetSocketAddress address) {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (config.serverSsl() != null) {
                            ch.pipeline().addLast("ssl", config.serverSsl().newHandler(ch.alloc()));
                        }
                        pipeline(ch.pipeline(), new Handler(null, new CompletableFuture<>()));
                    }
                });
        serverChannel = b.bind(address).syncUninterruptibly().channel();
        log.info("peer listening for sink tasks on {}", serverChannel.localAddress());
    }

    /** The address this client listens on for sink tasks in dial mode, or null. */
    public InetSocketAddress listenAddress() {
        Channel ch = serverChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    private void pipeline(ChannelPipeline p, Handler handler) {
        p.addLast("decoder", new FrameDecoder(config.limits()));
        p.addLast("encoder", new FrameEncoder(config.limits()));
        long hb = config.heartbeat().toMillis();
        p.addLast("idle", new IdleStateHandler(3 * hb, hb, 0, TimeUnit.MILLISECONDS));
        p.addLast("handler", handler);
    }

    private Subscribe subscribeFrame() {
        return new Subscribe(config.topics(), config.topicPatterns(), config.devices(), config.metrics(),
                config.durable() ? cursors() : List.of());
    }

    /** A connection this client dials and keeps up. */
    private final class Link {
        private final InetSocketAddress address;
        private final boolean discovered;
        /** The connection whose handshake finished: only its loss starts a new reconnect loop. */
        private volatile Channel established;
        private volatile CompletableFuture<Channel> connecting;

        Link(InetSocketAddress address, boolean discovered) {
            this.address = address;
            this.discovered = discovered;
        }

        void connect() {
            if (closing.get() || failure != null) {
                return;
            }
            connecting = Reconnect.until(group, config.reconnectBackoffMin(), config.reconnectBackoffMax(),
                    config.reconnectJitter(), () -> closing.get() || failure != null,
                    (attempt, delay) -> config.listener().reconnectScheduled(key(address), attempt, delay), this::attempt);
            connecting.whenComplete((ch, e) -> {
                if (e != null && !closing.get()) {
                    if (e instanceof Reconnect.PermanentFailure) {
                        fail(Reconnect.cause(e));
                    }
                }
            });
        }

        private CompletableFuture<Channel> attempt() {
            CompletableFuture<Channel> handshake = new CompletableFuture<>();
            if (closing.get()) {
                handshake.completeExceptionally(new IllegalStateException("closed"));
                return handshake;
            }
            InetSocketAddress target = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (config.ssl() != null) {
                                ch.pipeline().addLast("ssl", config.ssl().newHandler(ch.alloc(), address.getHostString(),
                                        address.getPort()));
                            }
                            pipeline(ch.pipeline(), new Handler(Link.this, handshake));
                        }
                    });
            // set on the completing (event loop) thread, before channelInactive can run for this channel
            handshake.thenAccept(ch -> established = ch);
            ChannelFuture cf = b.connect(target);
            cf.addListener(f -> {
                if (!f.isSuccess()) {
                    handshake.completeExceptionally(f.cause());
                    return;
                }
                Channel ch = cf.channel();
                ch.eventLoop().schedule(() -> {
                    if (handshake.completeExceptionally(new TimeoutException("no subscribed from " + address + " within "
                            + config.connectTimeout().toMillis() + " ms"))) {
                        ch.close();
                    }
                }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            });
            return handshake;
        }

        void closed(Channel ch) {
            // a connection lost during its handshake is retried by the running reconnect loop
            if (established != ch) {
                return;
            }
            established = null;
            if (!closing.get() && failure == null) {
                connect();
            }
        }

        void close() {
            CompletableFuture<Channel> c = connecting;
            if (c != null) {
                c.cancel(false);
            }
        }
    }

    /** One connection, dialled ({@code link} set) or accepted from a dialling sink task. */
    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        static final io.netty.util.AttributeKey<Boolean> SUBSCRIBED = io.netty.util.AttributeKey.valueOf("sluice.subscribed");

        private final Link link;
        private final CompletableFuture<Channel> handshake;

        Handler(Link link, CompletableFuture<Channel> handshake) {
            this.link = link;
            this.handshake = handshake;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            Channel ch = ctx.channel();
            synchronized (readGate) {
                channels.add(ch);
                if (readPaused.get()) {
                    ch.config().setAutoRead(false);
                }
            }
            ch.write(new PeerHello(ProtocolVersion.CURRENT, config.peerName(), config.token()));
            ch.writeAndFlush(subscribeFrame());
            super.channelActive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            switch (frame.type()) {
                case RECORDS -> onRecords(ctx, (Records) frame);
                case FILE_DELIVERY -> onFile((FileDelivery) frame);
                case SUBSCRIBED -> onSubscribed(ctx, (Subscribed) frame);
                case PING -> ctx.writeAndFlush(new Pong(((Ping) frame).nonce()), ctx.voidPromise());
                case PONG -> lastRttNanos.set(System.nanoTime() - ((Pong) frame).nonce());
                case ERROR -> onError(ctx, (ErrorFrame) frame);
                default -> log.debug("ignoring {} from {}", frame.type(), ctx.channel().remoteAddress());
            }
        }

        private void onSubscribed(ChannelHandlerContext ctx, Subscribed s) {
            if (!Boolean.TRUE.equals(ctx.channel().attr(SUBSCRIBED).getAndSet(true))) {
                handshake.complete(ctx.channel());
                connects.incrementAndGet();
                log.debug("subscribed at {}: topics {}, endpoints {}", ctx.channel().remoteAddress(), s.topics(), s.endpoints());
                firstSubscribed.countDown();
                // tell this task what was processed so far (it may hold partitions others delivered)
                if (config.durable() && !processed.isEmpty()) {
                    ackDirty.set(true);
                }
            }
            config.listener().subscribed(ctx.channel().remoteAddress(), s);
            if (link != null && !s.endpoints().isEmpty()) {
                // the first endpoint is the answering task's own: the name it publishes may differ
                // from the one dialled, and a second connection of a durable peer would replace this one
                alias(s.endpoints().get(0), link);
            }
            follow(s.endpoints());
        }

        private void onRecords(ChannelHandlerContext ctx, Records rs) {
            List<DeliveredRecord> records = rs.records();
            List<DeliveredRecord> fresh = new ArrayList<>(records.size());
            int i = 0;
            // one map update per run of records of the same partition (a batch is mostly such runs)
            while (i < records.size()) {
                DeliveredRecord first = records.get(i);
                int j = i + 1;
                while (j < records.size() && records.get(j).partition() == first.partition()
                        && records.get(j).topic().equals(first.topic())) {
                    j++;
                }
                List<DeliveredRecord> run = records.subList(i, j);
                long[] before = new long[1];
                long last = run.get(run.size() - 1).offset();
                received.compute(new Part(first.topic(), first.partition()), (k, prev) -> {
                    before[0] = prev == null ? -1 : prev;
                    return prev == null ? last : Math.max(prev, last);
                });
                long high = before[0];
                for (DeliveredRecord r : run) {
                    if (r.offset() > high) {
                        high = r.offset();
                        fresh.add(r);
                    } else {
                        duplicates.increment();
                        if (!config.dropDuplicates()) {
                            fresh.add(r);
                        }
                    }
                }
                i = j;
            }
            receivedCount.add(fresh.size());
            if (buffer.addAll(fresh)) {
                pauseReading();
            }
        }

        private void onFile(FileDelivery d) {
            long[] before = new long[1];
            received.compute(new Part(d.topic(), d.partition()), (k, prev) -> {
                before[0] = prev == null ? -1 : prev;
                return prev == null ? d.offset() : Math.max(prev, d.offset());
            });
            if (d.offset() <= before[0]) {
                duplicates.increment();
                return;
            }
            if (files == null) {
                // nowhere to write it: acknowledged so the sink does not hold back for it
                fileChunksIgnored.increment();
                if (warnedNoFolder.compareAndSet(false, true)) {
                    log.warn("the sink delivers files ({}) but this client has no files folder: their chunks are acknowledged "
                            + "and dropped", d.topic());
                }
                markProcessed(d.topic(), d.partition(), d.offset());
                return;
            }
            if (files.offer(d)) {
                pauseReading();
            }
        }

        private void onError(ChannelHandlerContext ctx, ErrorFrame e) {
            config.listener().error(ctx.channel().remoteAddress(), e);
            ProtocolException pe = new ProtocolException(e.code(), "sink at " + ctx.channel().remoteAddress() + " refused (" + e.code() + "): "
                    + e.message());
            log.warn("{}: {} {}", ctx.channel().remoteAddress(), e.code(), e.message());
            // REPLACED is not permanent: a connection of ours that the sink still held (a reconnect while it had
            // not seen the old one go) was superseded; the link reconnects if it was the one in use
            if (e.code().permanent()) {
                if (!handshake.completeExceptionally(new Reconnect.PermanentFailure(pe))) {
                    fail(pe);
                }
            } else {
                handshake.completeExceptionally(pe);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new Ping(System.nanoTime()), ctx.voidPromise());
                } else if (idle.state() == IdleState.READER_IDLE && ctx.channel().config().isAutoRead()) {
                    log.info("sink at {} silent for too long, reconnecting", ctx.channel().remoteAddress());
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            Channel ch = ctx.channel();
            channels.remove(ch);
            handshake.completeExceptionally(new IOException("connection closed by the sink"));
            config.listener().disconnected(ch.remoteAddress(), null);
            if (link != null) {
                link.closed(ch);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("connection to {} failed", ctx.channel().remoteAddress(), cause);
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

    /**
     * Stops reading every socket. Pausing (network threads) and resuming (the consuming thread)
     * decide and apply under one lock: interleaved, a late "stop" could otherwise land after the
     * "go on" and leave the sockets unread for good.
     */
    private void pauseReading() {
        synchronized (readGate) {
            if (!readPaused.get() && !hasRoom()) {
                readPaused.set(true);
                for (Channel ch : channels) {
                    ch.config().setAutoRead(false);
                }
            }
        }
    }

    private void afterTake() {
        if (!readPaused.get()) {
            return;
        }
        synchronized (readGate) {
            if (readPaused.get() && hasRoom()) {
                readPaused.set(false);
                for (Channel ch : channels) {
                    ch.config().setAutoRead(true);
                }
            }
        }
    }

    private boolean hasRoom() {
        return buffer.hasRoom() && (files == null || files.hasRoom());
    }

    private void fail(Throwable cause) {
        if (failure != null) {
            return;
        }
        failure = cause;
        log.error("peer client gives up: {}", cause.getMessage());
        config.listener().failed(cause);
        firstSubscribed.countDown();
        buffer.close();
        links.values().forEach(Link::close);
        for (Channel ch : channels) {
            ch.close();
        }
    }

    private void rethrowFailure() {
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("peer client failed: " + f.getMessage(), f);
        }
    }

    // ------------------------------------------------------------------ state

    /** Waits until a first sink task accepted the subscription; false on timeout; throws if the client failed. */
    public boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        boolean ok = firstSubscribed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        rethrowFailure();
        return ok;
    }

    public PeerClientStats stats() {
        int connected = 0;
        for (Channel ch : channels) {
            if (ch.isActive() && Boolean.TRUE.equals(ch.attr(Handler.SUBSCRIBED).get())) {
                connected++;
            }
        }
        long rtt = lastRttNanos.get();
        return new PeerClientStats(receivedCount.sum(), duplicates.sum(), processedCount.sum(), acksSent.sum(), connects.get(),
                connected, buffer.size(), buffer.bytes(), rtt < 0 ? -1 : rtt / 1000);
    }

    /**
     * Counters of the files written to the destination folder (zeros without one): files
     * started, completed, failed; chunks received, written, skipped (already there); checksum
     * failures; partial files removed after their TTL.
     */
    public AssemblerStats fileStats() {
        return files == null ? new AssemblerStats(0, 0, 0, fileChunksIgnored.sum(), 0, 0, 0, 0, 0, 0, 0) : files.stats();
    }

    /** The file writer's failure (a disk error: chunks are no longer written nor acknowledged), or null. */
    public Throwable fileFailure() {
        return files == null ? null : files.failure();
    }

    /** Whether the client gave up for good. */
    public boolean hasFailed() {
        return failure != null;
    }

    public Throwable failure() {
        return failure;
    }

    /** Round-trip time of the last heartbeat, or null before the first. */
    public Duration lastRtt() {
        long n = lastRttNanos.get();
        return n < 0 ? null : Duration.ofNanos(n);
    }

    /** The endpoints this client knows (given, discovered, and the names its connections go by). */
    public List<String> endpoints() {
        return List.copyOf(links.keySet());
    }

    /** How many distinct connections this client keeps up (one per sink task). */
    public int connectionCount() {
        return (int) links.values().stream().distinct().count();
    }

    /** Sends the last acks, then closes every connection. */
    @Override
    public void close() {
        if (closing.get()) {
            return;
        }
        completePendingAuto();
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        group.next().execute(() -> {
            flushAcks();
            flushed.complete(null);
        });
        try {
            flushed.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("final acks not sent", e);
        }
        closeNow();
    }

    /** Closes at once: what was not acknowledged is delivered again to a durable peer of the same name. */
    public void closeNow() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        if (ackTask != null) {
            ackTask.cancel(false);
        }
        buffer.close();
        links.values().forEach(Link::close);
        List<ChannelFuture> closes = new ArrayList<>();
        for (Channel ch : channels) {
            closes.add(ch.close());
        }
        Channel server = serverChannel;
        if (server != null) {
            closes.add(server.close());
        }
        for (ChannelFuture f : closes) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (files != null) {
            files.close();
        }
    }

    /** For the application's logs: who this client is. */
    @Override
    public String toString() {
        return "PeerClient[" + (config.durable() ? config.peerName() : "live") + " -> " + links.keySet() + "]";
    }
}
