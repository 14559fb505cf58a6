package io.sluice.source.device;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.codec.LineDecoder;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.source.buffer.Offer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on the line-mode port: NDJSON readings of any device, no handshake and no
 * acknowledgements. A line that is not valid JSON is fatal (error line, close); a reading that
 * breaks a content rule gets an error line and the connection goes on.
 */
final class LineSession extends DeviceConnection<DeviceReading> {
    private static final Logger log = LoggerFactory.getLogger(LineSession.class);

    private boolean closing;

    LineSession(DeviceHub hub, boolean tls) {
        super(hub, tls);
    }

    @Override
    public boolean sequenced() {
        return false;
    }

    @Override
    boolean accepting() {
        return !closing;
    }

    @Override
    ErrorFrame idleTimeout() {
        return new ErrorFrame(ErrorCode.IDLE_TIMEOUT, "nothing received for " + hub.config().idleTimeout().toMillis() + " ms");
    }

    @Override
    void onClose() {
        closing = true;
    }

    @Override
    void fatal(ErrorFrame e) {
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

    @Override
    Offer ingest(DeviceReading dr) {
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
}
