package io.sluice.protocol.frame;

/**
 * Source → device, cumulative: every reading of this device with a sequence number up to
 * {@code seq} is in Kafka (or was rejected with a non-fatal {@link ErrorFrame}).
 */
public record Ack(long seq) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.ACK;
    }
}
