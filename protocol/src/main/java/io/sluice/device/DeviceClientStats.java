package io.sluice.device;

/**
 * A snapshot of a {@link DeviceClient}'s counters.
 *
 * @param accepted    readings the application handed over (each got a seq)
 * @param sent        readings written to a connection for the first time
 * @param resent      readings written again after a reconnect
 * @param acked       readings the source acknowledged (in Kafka)
 * @param rejected    readings the source refused with a non-fatal error (also counted in acked:
 *                    the ack passes over them)
 * @param inFlight    readings accepted and not yet acknowledged
 * @param inFlightBytes their encoded size
 * @param connects    successful handshakes
 * @param lastAckedSeq highest seq acknowledged, -1 if none
 * @param blockedNanos time the application spent waiting for room in the window
 */
public record DeviceClientStats(long accepted, long sent, long resent, long acked, long rejected, long inFlight,
        long inFlightBytes, long connects, long lastAckedSeq, long blockedNanos) {
}
