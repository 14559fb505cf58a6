package io.sluice.peer;

/**
 * Counters of a {@link PeerClient}.
 *
 * @param received          records handed to the application's buffer
 * @param duplicates        records dropped because their (topic, partition, offset) had been received already
 * @param processed         records the application finished (auto) or acknowledged (manual)
 * @param acksSent          PeerAck messages sent
 * @param connects          successful subscriptions, over all connections
 * @param connected         connections subscribed now
 * @param buffered          records waiting in the client's buffer
 * @param bufferedBytes     their bytes
 * @param lastRttMicros     round-trip time of the last heartbeat, or -1
 */
public record PeerClientStats(long received, long duplicates, long processed, long acksSent, long connects, int connected,
        int buffered, long bufferedBytes, long lastRttMicros) {
}
