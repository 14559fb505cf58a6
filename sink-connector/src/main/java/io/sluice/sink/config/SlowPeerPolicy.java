package io.sluice.sink.config;

import java.util.Arrays;
import java.util.Locale;

/** What the sink does when a peer reads more slowly than records arrive. */
public enum SlowPeerPolicy {
    /**
     * Pause the Kafka partitions that feed the peer while its queue is above the high mark and
     * resume them below the low mark: the peer slows the connector down, nothing is lost.
     */
    PAUSE,
    /** Send {@code SLOW_CONSUMER} and close the connection; a durable peer resumes from its last ack. */
    DISCONNECT,
    /**
     * Live-only peers: drop the oldest queued records (counted by reason {@code drop_oldest}).
     * Durable peers never lose records: for them this behaves like {@link #PAUSE}.
     */
    DROP_OLDEST;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SlowPeerPolicy parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    public static String[] configValues() {
        return Arrays.stream(values()).map(SlowPeerPolicy::configValue).toArray(String[]::new);
    }
}
