package io.sluice.sink.peer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
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
import io.sluice.protocol.tls.TlsIdentity;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection on the sink side, for any transport (framed TCP/TLS, WebSocket, dialled):
 * the handshake, acks and heartbeats go to the {@link PeerHub}; records go from the peer's
 * queue to the socket only while the channel is writable, so the socket buffer stays bounded
 * and the queue (bounded too) takes the rest.
 */
final class PeerChannelHandler extends SimpleChannelInboundHandler<Frame> implements PeerLink {
    private static final Logger log = LoggerFactory.getLogger(PeerChannelHandler.class);

    private final PeerHub hub;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable onClosed;
    private volatile Channel channel;
    private PeerSession session;
    private volatile String closeReason;

    private final long heartbeatMillis;
    private io.netty.util.concurrent.ScheduledFuture<?> pinger;

    PeerChannelHandler(PeerHub hub, java.time.Duration heartbeat, Runnable onClosed) {
        this.hub = hub;
        this.heartbeatMillis = Math.max(1, heartbeat.toMillis());
        this.onClosed = onClosed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        session = hub.open(this);
        // a ping every interval, busy or not, one at a time: the RTT metric stays fresh and a
        // peer that stopped reading gets at most one ping queued behind its records
        pinger = ctx.executor().scheduleAtFixedRate(() -> ping(ctx), heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    private void ping(ChannelHandlerContext ctx) {
        PeerSession s = session;
        if (s == null || !ctx.channel().isActive() || s.pingSentNanos != 0) {
            return;
        }
        long nonce = System.nanoTime();
        s.pingSentNanos = nonce;
        ctx.writeAndFlush(new Ping(nonce), ctx.voidPromise());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (session == null) {
            return;
        }
        try {
            switch (frame.type()) {
                case PEER_HELLO -> hub.hello(session, (PeerHello) frame, tlsNames(ctx));
                case SUBSCRIBE -> {
                    Subscribed ok = hub.subscribe(session, (Subscribe) frame);
                    ctx.writeAndFlush(ok);
                    requestDrain();
                }
                case PEER_ACK -> hub.ack(session, (PeerAck) frame);
                case PING -> ctx.writeAndFlush(new Pong(((Ping) frame).nonce()), ctx.voidPromise());
                case PONG -> {
                    long sent = session.pingSentNanos;
                    if (sent != 0 && ((Pong) frame).nonce() == sent) {
                        session.rttNanos.set(System.nanoTime() - sent);
                        session.pingSentNanos = 0;
                    }
                }
                case ERROR -> {
                    ErrorFrame e = (ErrorFrame) frame;
                    log.info("{} reported {}: {}", session, e.code(), e.message());
                    if (e.code().fatal()) {
                        reason("peer_error");
                        ctx.close();
                    }
                }
                default -> throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "a peer does not send "
                        + frame.type().name().toLowerCase(Locale.ROOT) + " frames");
            }
        } catch (ProtocolException e) {
            refuse(e);
        }
    }

    /** The first reason wins: a reset after an error reply is not a second reason. */
    private void reason(String r) {
        if (closeReason == null) {
            closeReason = r;
        }
    }

    private static List<String> tlsNames(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl == null ? List.of() : TlsIdentity.names(ssl.engine().getSession());
    }

    private void refuse(ProtocolException e) {
        reason(e.code().name().toLowerCase(Locale.ROOT));
        log.info("{}: {} {}", session == null ? channel.remoteAddress() : session, e.code(), e.getMessage());
        close(new ErrorFrame(e.code(), e.getMessage()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof ProtocolException pe) {
            refuse(pe);
        } else if (c instanceof IOException) {
            reason("connection_lost");
            log.debug("{}: {}", session, c.toString());
            ctx.close();
        } else {
            reason("internal_error");
            log.warn("{}: unexpected error, closing", session, c);
            close(new ErrorFrame(ErrorCode.INTERNAL, "internal error: " + c));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle && session != null) {
            if (idle.state() == IdleState.READER_IDLE) {
                reason("idle_timeout");
                close(new ErrorFrame(ErrorCode.IDLE_TIMEOUT, "no frame from the peer for too long: disconnecting"));
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            requestDrain();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (pinger != null) {
            pinger.cancel(false);
        }
        if (session != null) {
            hub.closed(session, closeReason == null ? "closed_by_peer" : closeReason);
        }
        onClosed.run();
        super.channelInactive(ctx);
    }

    // ------------------------------------------------------------------ PeerLink

    @Override
    public void send(Frame frame) {
        Channel ch = channel;
        if (ch != null) {
            ch.writeAndFlush(frame, ch.voidPromise());
        }
    }

    @Override
    public void requestDrain() {
        Channel ch = channel;
        if (ch != null && drainScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drain);
        }
    }

    /** On the event loop: writes Records (and FileDelivery) frames while the socket takes them. */
    private void drain() {
        drainScheduled.set(false);
        Channel ch = channel;
        if (ch == null || !ch.isActive() || session == null) {
            return;
        }
        boolean wrote = false;
        while (ch.isWritable()) {
            List<Frame> frames = hub.pollFrames(session);
            if (frames.isEmpty()) {
                break;
            }
            for (Frame f : frames) {
                ch.write(f, ch.voidPromise());
            }
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
    }

    @Override
    public void close(ErrorFrame error) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (error != null) {
            reason(error.code().name().toLowerCase(Locale.ROOT));
        }
        if (error != null && ch.isActive()) {
            ch.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
            // a peer that does not read would never get the error: close anyway after a moment
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, 2, TimeUnit.SECONDS);
        } else {
            ch.close();
        }
    }

    @Override
    public String remote() {
        Channel ch = channel;
        return ch == null ? "?" : String.valueOf(ch.remoteAddress());
    }
}
