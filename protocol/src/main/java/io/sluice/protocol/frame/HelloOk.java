package io.sluice.protocol.frame;

/**
 * Source → device, the answer to {@link Hello}.
 *
 * @param version             protocol version the server will speak on this connection
 * @param resumeSeq           highest sequence number of this device already in Kafka, or 0 if
 *                            none (seqs start at 1): the device resends only readings above it
 * @param maxFrameBytes       the server's frame limit
 * @param maxBatchReadings    the server's batch limit
 * @param heartbeatIntervalMs how often the device should ping when idle (the server closes
 *                            connections idle for longer than its idle timeout)
 */
public record HelloOk(int version, long resumeSeq, int maxFrameBytes, int maxBatchReadings, int heartbeatIntervalMs)
        implements Frame {
    @Override
    public FrameType type() {
        return FrameType.HELLO_OK;
    }
}
