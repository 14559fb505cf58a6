package io.sluice.source.device;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.source.buffer.Inlet;
import io.sluice.source.buffer.Offer;
import java.util.ArrayDeque;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every device connection does the same way, on either port: admission against the
 * connection limits (refused at once on plain TCP, after the handshake on TLS so the refusal can
 * be read), TLS handshake failures counted, the idle timeout, protocol errors turned into a final
 * error frame, and push-back: when the buffer refuses an item the connection stops being read,
 * keeps what it had already decoded in {@code stash} (at most one socket read's worth), and
 * resumes once the buffer has space.
 *
 * @param <T> what the connection offers to the buffer
 */
abstract class DeviceConnection<T> extends ChannelInboundHandlerAdapter implements Inlet {
    private static final Logger log = LoggerFactory.getLogger(DeviceConnection.class);

    protected final DeviceHub hub;
    private final boolean tls;
    protected Channel channel;
    protected String label;
    /** Why the connection limits refuse this connection; null when admitted. */
    protected ErrorFrame refusal;
    private boolean admitted;
    protected boolean paused;
    protected final ArrayDeque<T> stash = new ArrayDeque<>();

    DeviceConnection(DeviceHub hub, boolean tls) {
        this.hub = hub;
        this.tls = tls;
    }

    /** Offers one item to the buffer (or handles it otherwise); FULL pauses the connection. */
    abstract Offer ingest(T item);

    /** Sends a final error and closes. */
    abstract void fatal(ErrorFrame e);

    /** False once the connection is closing (or, framed, not past its handshake). */
    abstract boolean accepting();

    /** The error sent when nothing arrived for the idle timeout. */
    abstract ErrorFrame idleTimeout();

    /** Whether the idle timeout applies now (not while the connection is paused by us). */
    boolean idleTimeoutApplies() {
        return !paused;
    }

    /** Whether reading may resume once the readings stash is drained. */
    boolean readingMayResume() {
        return true;
    }

    /** Called first when the connection closes. */
    void onClose() {
    }

    @Override
    public String label() {
        return label;
    }

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
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE && idleTimeoutApplies()) {
            fatal(idleTimeout());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        onClose();
        if (admitted) {
            hub.closed(channel);
        }
        if (paused) {
            paused = false;
            hub.stats().connectionsPaused.decrementAndGet();
        }
        hub.buffer().forget(this);
        stash.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c instanceof ProtocolException pe) {
                fatal(new ErrorFrame(pe.code(), pe.getMessage(), pe.seq()));
                return;
            }
        }
        // a failed TLS handshake is counted once, from its SslHandshakeCompletionEvent
        log.debug("connection {} failed: {}", label, cause.toString());
        ctx.close();
    }

    protected SSLSession tlsSession() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? null : ssl.engine().getSession();
    }

    /** Stops reading the socket: TCP pushes back to the device. */
    protected void pause() {
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
        if (!paused || !accepting()) {
            return;
        }
        while (!stash.isEmpty()) {
            Offer o = ingest(stash.peekFirst());
            if (o == Offer.FULL) {
                return;
            }
            stash.pollFirst();
            if (o == Offer.CLOSED || !accepting()) {
                return;
            }
        }
        paused = false;
        hub.stats().connectionsPaused.decrementAndGet();
        if (readingMayResume()) {
            channel.config().setAutoRead(true);
        }
    }
}
