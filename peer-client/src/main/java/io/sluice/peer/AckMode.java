package io.sluice.peer;

/** How a {@link PeerClient} acknowledges records (only durable peers' acks matter to the sink). */
public enum AckMode {
    /**
     * A record counts as processed when the application is done with it: the callback or
     * {@code onNext} returned, or the iterator was asked for the next record.
     */
    AUTO,
    /** The application calls {@link PeerClient#ack} for the last record it processed of each partition. */
    MANUAL
}
