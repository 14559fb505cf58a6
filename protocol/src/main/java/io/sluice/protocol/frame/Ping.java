package io.sluice.protocol.frame;

/** Heartbeat, either direction; the other side answers {@link Pong} with the same nonce. */
public record Ping(long nonce) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PING;
    }
}
