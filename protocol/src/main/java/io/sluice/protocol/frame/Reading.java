package io.sluice.protocol.frame;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One reading of one metric. The device id is the connection's (from {@link Hello}).
 *
 * @param seq         per-device sequence number, strictly increasing; -1 in line mode when absent
 * @param timestampMs event time, epoch milliseconds
 * @param metric      metric name
 * @param value       the reading
 * @param tags        optional labels, never null
 */
public record Reading(long seq, @JsonProperty("ts") long timestampMs, String metric, double value, Map<String, String> tags)
        implements Frame {
    /** The seq of a line-mode reading that carries none. */
    public static final long NO_SEQ = -1L;
    /** The timestamp of a line-mode reading that carries none, before the receiver sets its arrival time. */
    public static final long NO_TIME = Long.MIN_VALUE;

    public Reading {
        tags = tags == null || tags.isEmpty() ? Map.of() : Map.copyOf(tags);
    }

    public Reading(long seq, long timestampMs, String metric, double value) {
        this(seq, timestampMs, metric, value, Map.of());
    }

    @Override
    public FrameType type() {
        return FrameType.READING;
    }

    /** Value equality that also treats two NaNs as equal, as records do. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Reading r && seq == r.seq && timestampMs == r.timestampMs
                && Double.compare(value, r.value) == 0 && metric.equals(r.metric) && tags.equals(r.tags);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + metric.hashCode();
    }
}
