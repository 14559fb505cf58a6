package io.sluice.sink.peer;

import io.sluice.protocol.frame.DeliveredRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A record ready to route: the wire form plus what the filters need.
 *
 * @param device from the value's top-level {@code device}, else the key, else null
 * @param metric from the value's top-level {@code metric}, else null
 * @param hidden not for peers (a file's completion marker): cursors pass over it
 */
public record Routed(TopicPartition tp, DeliveredRecord record, String device, String metric, int size, boolean hidden) {
    public Routed(TopicPartition tp, DeliveredRecord record, String device, String metric, int size) {
        this(tp, record, device, metric, size, false);
    }
}
