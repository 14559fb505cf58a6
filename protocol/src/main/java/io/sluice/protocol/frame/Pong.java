package io.sluice.protocol.frame;

/** The answer to {@link Ping}; the nonce lets the pinging side measure round-trip time. */
public record Pong(long nonce) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PONG;
    }
}
