package io.sluice.source.device;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.codec.LineDecoder;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.source.buffer.Inlet;
import io.sluice.source.buffer.Offer;
import java.util.ArrayDeque;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on the line-mode port: NDJSON readings of any device, no handshake and no
 * acknowledgements. A line that is not valid JSON is fatal (error line, close); a reading that
 * breaks a content rule gets an error line and the connection goes on.
 */
final class LineSession extends ChannelInboundHandlerAdapter implements Inlet {
    private static final Logger log = LoggerFactory.getLogger(LineSession.class);

    private final DeviceHub hub;
    private final boolean tls;
    private Channel channel;
    private String label;
    private ErrorFrame refusal;
    private boolean admitted;
    private boolean closing;
    private boolean paused;
    private final ArrayDeque<DeviceReading> stash = new ArrayDeque<>();

    LineSession(DeviceHub hub, boolean tls) {
        this.hub = hub;
        this.tls = tls;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public boolean sequenced() {
        return false;
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
            } else if (refusal != null) {
                fatal(refusal);
            }
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE && !paused) {
            fatal(new ErrorFrame(ErrorCode.IDLE_TIMEOUT, "nothing received for " + hub.config().idleTimeout().toMillis() + " ms"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
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
        log.debug("line connection {} failed: {}", label, cause.toString());
        ctx.close();
    }

    private void fatal(ErrorFrame e) {
        if (closing && !channel.isActive()) {
            return;
        }
        closing = true;
        hub.stats().error(e.code());
        log.debug("closing line connection {}: {} {}", label, e.code(), e.message());
        channel.writeAndFlush(e).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            return;
        }
        if (refusal != null) {
            fatal(refusal);
            return;
        }
        if (msg instanceof LineDecoder.RejectedLine rejected) {
            ProtocolException e = rejected.error();
            hub.stats().readingsReceived.increment();
            hub.stats().readingsRejected.increment();
            hub.stats().error(e.code());
            ctx.writeAndFlush(new ErrorFrame(e.code(), "line " + rejected.lineNumber() + ": " + e.getMessage(), e.seq()),
                    ctx.voidPromise());
            return;
        }
        if (msg instanceof DeviceReading dr) {
            hub.stats().readingsReceived.increment();
            if (paused) {
                stash.add(dr);
                return;
            }
            if (ingest(dr) == Offer.FULL) {
                stash.add(dr);
                pause();
            }
        }
    }

    private Offer ingest(DeviceReading dr) {
        try {
            hub.authorize(dr.device(), null, tlsSession(), false);
        } catch (ProtocolException e) {
            fatal(new ErrorFrame(e.code(), e.getMessage()));
            return Offer.CLOSED;
        }
        Reading r;
        try {
            r = hub.guardTime(dr.reading());
        } catch (ProtocolException e) {
            hub.stats().readingsRejected.increment();
            hub.stats().error(e.code());
            channel.writeAndFlush(new ErrorFrame(e.code(), e.getMessage(), e.seq()), channel.voidPromise());
            return Offer.FILTERED;
        }
        Offer o = hub.buffer().offer(this, dr.device(), r, FrameCodec.encodedSize(r));
        if (o == Offer.CLOSED) {
            fatal(new ErrorFrame(ErrorCode.SHUTTING_DOWN, "the source task is stopping"));
        }
        return o;
    }

    private SSLSession tlsSession() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? null : ssl.engine().getSession();
    }

    private void pause() {
        paused = true;
        channel.config().setAutoRead(false);
        hub.stats().pausesTotal.increment();
        hub.stats().connectionsPaused.incrementAndGet();
    }

    @Override
    public void onSpace() {
        channel.eventLoop().execute(this::resume);
    }

    private void resume() {
        if (!paused || closing) {
            return;
        }
        while (!stash.isEmpty()) {
            Offer o = ingest(stash.peekFirst());
            if (o == Offer.FULL) {
                return;
            }
            stash.pollFirst();
            if (closing) {
                return;
            }
        }
        paused = false;
        hub.stats().connectionsPaused.decrementAndGet();
        channel.config().setAutoRead(true);
    }
}
