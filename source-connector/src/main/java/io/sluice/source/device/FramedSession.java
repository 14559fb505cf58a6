package io.sluice.source.device;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import io.sluice.source.buffer.Inlet;
import io.sluice.source.buffer.Offer;
import io.sluice.source.config.AckMode;
import io.sluice.source.file.FileHub;
import io.sluice.source.file.FileLink;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device connection on the framed port: HELLO (authorize, look up the resume seq, answer
 * HELLO_OK), then readings into the buffer, acknowledgements out. When the buffer refuses a
 * reading (block policy) the connection stops being read until the buffer has room; the
 * readings already decoded wait here (at most one socket read's worth). File frames go to the
 * task's {@link FileHub}, which pushes back the same way when its chunk queue is full.
 */
final class FramedSession extends SimpleChannelInboundHandler<Frame> implements Inlet, FileLink {
    private static final Logger log = LoggerFactory.getLogger(FramedSession.class);

    private enum State { NEW, RESOLVING, READY, CLOSING }

    private final DeviceHub hub;
    private final boolean tls;
    private Channel channel;
    private String label;
    private State state = State.NEW;
    private DeviceState device;
    private ErrorFrame refusal;
    private boolean admitted;
    private boolean paused;
    private final ArrayDeque<Reading> stash = new ArrayDeque<>();
    /** File frames waiting for room in the chunk queue, in arrival order. */
    private final ArrayDeque<Frame> fileStash = new ArrayDeque<>();
    private boolean filesPaused;

    FramedSession(DeviceHub hub, boolean tls) {
        this.hub = hub;
        this.tls = tls;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public String label() {
        return label;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        label = String.valueOf(channel.remoteAddress()).replaceFirst("^/", "");
        refusal = hub.admit(channel);
        admitted = refusal == null;
        if (!admitted) {
            hub.stats().connectionsRefused.increment();
            if (!tls) {
                fatal(refusal);
            }
        }
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                hub.stats().tlsHandshakeFailures.increment();
                log.debug("TLS handshake with {} failed: {}", label, hs.cause().toString());
            } else if (refusal != null) {
                fatal(refusal);
            }
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE && !paused && !filesPaused
                && state != State.RESOLVING) {
            fatal(new ErrorFrame(ErrorCode.IDLE_TIMEOUT, "nothing received for " + hub.config().idleTimeout().toMillis()
                    + " ms; devices ping every " + hub.heartbeatMs() + " ms when idle"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSING;
        if (admitted) {
            hub.closed(channel);
        }
        if (paused) {
            paused = false;
            hub.stats().connectionsPaused.decrementAndGet();
        }
        hub.buffer().forget(this);
        stash.clear();
        fileStash.clear();
        filesPaused = false;
        if (device != null) {
            hub.detach(device, this);
        }
        super.channelInactive(ctx);
    }

    /** Another connection of the same device took over. */
    void replaced() {
        channel.eventLoop().execute(() -> {
            log.debug("device {}: newer connection took over from {}", device == null ? "?" : device.id, label);
            state = State.CLOSING;
            channel.close();
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProtocolException pe = unwrap(cause);
        if (pe != null) {
            fatal(new ErrorFrame(pe.code(), pe.getMessage(), pe.seq()));
            return;
        }
        // a failed TLS handshake is counted once, from its SslHandshakeCompletionEvent
        log.debug("connection {} failed: {}", label, cause.toString());
        ctx.close();
    }

    private static ProtocolException unwrap(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProtocolException pe) {
                return pe;
            }
        }
        return null;
    }

    /** Sends a fatal error and closes. */
    private void fatal(ErrorFrame e) {
        if (state == State.CLOSING && !channel.isActive()) {
            return;
        }
        state = State.CLOSING;
        hub.stats().error(e.code());
        if (paused || filesPaused) {
            channel.config().setAutoRead(true);
        }
        log.debug("closing {} ({}): {} {}", label, device == null ? "no device" : device.id, e.code(), e.message());
        channel.writeAndFlush(e).addListener(ChannelFutureListener.CLOSE);
    }

    // ------------------------------------------------------------------ frames

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (state == State.CLOSING) {
            return;
        }
        switch (frame.type()) {
            case HELLO -> onHello((Hello) frame);
            case READING -> onReadings(List.of((Reading) frame));
            case READING_BATCH -> onReadings(((ReadingBatch) frame).readings());
            case PING -> ctx.writeAndFlush(new Pong(((Ping) frame).nonce()), ctx.voidPromise());
            case PONG -> {
                // answer to a ping of ours: nothing to do
            }
            case FILE_INIT, FILE_CHUNK, FILE_FIN -> onFileFrame(frame);
            default -> fatal(new ErrorFrame(ErrorCode.UNEXPECTED_FRAME, frame.type() + " is not something a device sends"));
        }
    }

    private void onHello(Hello hello) {
        if (state != State.NEW) {
            fatal(new ErrorFrame(ErrorCode.UNEXPECTED_FRAME, "HELLO sent twice on one connection"));
            return;
        }
        if (refusal != null) {
            fatal(refusal);
            return;
        }
        if (!ProtocolVersion.supported(hello.version())) {
            fatal(new ErrorFrame(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version() + " is not supported; this source speaks "
                    + ProtocolVersion.MIN + " to " + ProtocolVersion.CURRENT));
            return;
        }
        try {
            hub.authorize(hello.deviceId(), hello.token(), tlsSession(), true);
        } catch (ProtocolException e) {
            fatal(new ErrorFrame(e.code(), e.getMessage()));
            return;
        }
        state = State.RESOLVING;
        channel.config().setAutoRead(false);
        String id = hello.deviceId();
        long deadline = hub.config().resumeLookupTimeout().toMillis();
        var timeout = channel.eventLoop().schedule(() -> {
            if (state == State.RESOLVING) {
                fatal(new ErrorFrame(ErrorCode.INTERNAL, "could not read the committed seq of device '" + id + "' within "
                        + deadline + " ms; try again"));
            }
        }, deadline, TimeUnit.MILLISECONDS);
        hub.resolver().resolve(id, (committed, error) -> channel.eventLoop().execute(() -> {
            timeout.cancel(false);
            if (state != State.RESOLVING) {
                return;
            }
            if (error != null) {
                fatal(new ErrorFrame(hub.stopping() ? ErrorCode.SHUTTING_DOWN : ErrorCode.INTERNAL,
                        "could not read the committed seq of device '" + id + "': " + error.getMessage()));
                return;
            }
            DeviceState st = hub.device(id);
            device = st;
            hub.attach(st, this, committed);
            long resume = Math.max(committed, st.ledger.acked());
            state = State.READY;
            channel.writeAndFlush(new HelloOk(ProtocolVersion.CURRENT, resume, hub.limits().maxFrameBytes(),
                    hub.limits().maxBatchReadings(), hub.heartbeatMs()), channel.voidPromise());
            log.debug("device {} connected from {}, resumes after seq {}", id, label, resume);
            channel.config().setAutoRead(true);
        }));
    }

    private SSLSession tlsSession() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? null : ssl.engine().getSession();
    }

    private void onReadings(List<Reading> readings) {
        if (state != State.READY) {
            fatal(new ErrorFrame(state == State.NEW ? ErrorCode.HELLO_REQUIRED : ErrorCode.UNEXPECTED_FRAME,
                    state == State.NEW ? "send HELLO first" : "readings sent before HELLO_OK"));
            return;
        }
        hub.stats().readingsReceived.add(readings.size());
        if (paused) {
            stash.addAll(readings);
            return;
        }
        for (int i = 0; i < readings.size(); i++) {
            Offer o = ingest(readings.get(i));
            if (o == Offer.FULL) {
                stash.addAll(readings.subList(i, readings.size()));
                pause();
                return;
            }
            if (o == Offer.CLOSED || state == State.CLOSING) {
                return;
            }
        }
    }

    /** One reading: duplicate check, content rules, clock policy, buffer. */
    private Offer ingest(Reading r) {
        long seq = r.seq();
        SeqLedger ledger = device.ledger;
        if (seq < 1) {
            fatal(new ErrorFrame(ErrorCode.MALFORMED_FRAME, "seq " + seq + " is not allowed: seqs start at 1", seq));
            return Offer.CLOSED;
        }
        if (ledger.isDuplicate(seq)) {
            hub.stats().readingsDuplicate.increment();
            long acked = ledger.acked();
            if (seq <= acked) {
                // the device missed our ack (or resent what it resumed from): tell it again
                channel.writeAndFlush(new Ack(acked), channel.voidPromise());
                hub.stats().acksSent.increment();
            }
            return Offer.ACCEPTED;
        }
        Reading checked;
        try {
            hub.limits().checkReading(r);
            checked = hub.guardTime(r);
        } catch (ProtocolException e) {
            if (e.code().fatal()) {
                fatal(new ErrorFrame(e.code(), e.getMessage(), seq));
                return Offer.CLOSED;
            }
            hub.stats().readingsRejected.increment();
            hub.stats().error(e.code());
            channel.writeAndFlush(new ErrorFrame(e.code(), e.getMessage(), seq), channel.voidPromise());
            if (ledger.take(seq, true, System.nanoTime()) >= 0) {
                hub.scheduleAck(device, false);
            }
            return Offer.FILTERED;
        }
        long previous = ledger.highest();
        ledger.take(seq, false, System.nanoTime());
        Offer o = hub.buffer().offer(this, device.id, checked, FrameCodec.encodedSize(checked));
        switch (o) {
            case ACCEPTED, AGGREGATED -> {
                if (hub.ackMode() == AckMode.RECEIVE) {
                    hub.complete(device, new long[] {seq});
                }
            }
            case FILTERED, DROPPED -> hub.complete(device, new long[] {seq});
            case FULL -> ledger.untake(seq, previous);
            case CLOSED -> {
                ledger.untake(seq, previous);
                fatal(new ErrorFrame(ErrorCode.SHUTTING_DOWN, "the source task is stopping; reconnect in a moment"));
            }
        }
        return o;
    }

    // ------------------------------------------------------------------ files

    private void onFileFrame(Frame frame) {
        if (state != State.READY) {
            fatal(new ErrorFrame(state == State.NEW ? ErrorCode.HELLO_REQUIRED : ErrorCode.UNEXPECTED_FRAME,
                    state == State.NEW ? "send HELLO first" : frame.type() + " sent before HELLO_OK"));
            return;
        }
        if (filesPaused) {
            fileStash.addLast(frame);
            return;
        }
        if (hub.files().onFrame(this, device.id, frame) == FileHub.Result.FULL) {
            fileStash.addLast(frame);
            filesPaused = true;
            channel.config().setAutoRead(false);
            hub.stats().pausesTotal.increment();
            hub.files().whenSpace(this::onFileSpace);
        }
    }

    private void onFileSpace() {
        channel.eventLoop().execute(this::resumeFiles);
    }

    private void resumeFiles() {
        if (!filesPaused || state != State.READY) {
            return;
        }
        while (!fileStash.isEmpty()) {
            if (hub.files().onFrame(this, device.id, fileStash.peekFirst()) == FileHub.Result.FULL) {
                hub.files().whenSpace(this::onFileSpace);
                return;
            }
            fileStash.pollFirst();
            if (state == State.CLOSING) {
                return;
            }
        }
        filesPaused = false;
        if (!paused) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void send(Frame frame) {
        if (channel.isActive()) {
            channel.writeAndFlush(frame, channel.voidPromise());
        }
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    private void pause() {
        if (!paused) {
            paused = true;
            channel.config().setAutoRead(false);
            hub.stats().pausesTotal.increment();
            hub.stats().connectionsPaused.incrementAndGet();
        }
    }

    @Override
    public void onSpace() {
        channel.eventLoop().execute(this::resume);
    }

    private void resume() {
        if (!paused || state != State.READY) {
            return;
        }
        while (!stash.isEmpty()) {
            Offer o = ingest(stash.peekFirst());
            if (o == Offer.FULL) {
                return;
            }
            stash.pollFirst();
            if (o == Offer.CLOSED || state == State.CLOSING) {
                return;
            }
        }
        paused = false;
        hub.stats().connectionsPaused.decrementAndGet();
        if (!filesPaused) {
            channel.config().setAutoRead(true);
        }
    }
}
