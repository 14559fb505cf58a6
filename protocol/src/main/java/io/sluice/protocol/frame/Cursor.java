package io.sluice.protocol.frame;

/**
 * A position in a topic partition: the offset of the last record a peer has processed
 * (inclusive). Used for acks and for resuming a subscription.
 */
public record Cursor(String topic, int partition, long offset) {
}
