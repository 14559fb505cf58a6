package io.sluice.source.buffer;

import io.sluice.source.config.OverflowPolicy;
import java.util.function.Function;

/**
 * How a {@link DeviceBuffer} is bounded and what it does when full.
 *
 * @param maxRecords   capacity in records
 * @param maxBytes     capacity in bytes
 * @param lowWatermark share of both capacities below which blocked inlets resume (0..1)
 * @param fairShare    under pressure, refuse a device that holds more than capacity / devices
 * @param policy       each device's overflow policy
 * @param gapRecords   report dropped readings as gap records
 * @param filter       what to keep
 * @param aggregation  pre-aggregation, or null
 */
public record BufferSettings(int maxRecords, long maxBytes, double lowWatermark, boolean fairShare,
        Function<String, OverflowPolicy> policy, boolean gapRecords, ReadingFilter filter, Aggregation aggregation) {

    public BufferSettings {
        if (maxRecords < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("capacities must be positive");
        }
        if (!(lowWatermark > 0 && lowWatermark < 1)) {
            throw new IllegalArgumentException("lowWatermark must be between 0 and 1, was " + lowWatermark);
        }
        filter = filter == null ? ReadingFilter.NONE : filter;
    }

    public static BufferSettings of(int maxRecords, long maxBytes, OverflowPolicy policy) {
        return new BufferSettings(maxRecords, maxBytes, 0.5, true, d -> policy, true, ReadingFilter.NONE, null);
    }

    public BufferSettings withFairShare(boolean v) {
        return new BufferSettings(maxRecords, maxBytes, lowWatermark, v, policy, gapRecords, filter, aggregation);
    }

    public BufferSettings withPolicy(Function<String, OverflowPolicy> v) {
        return new BufferSettings(maxRecords, maxBytes, lowWatermark, fairShare, v, gapRecords, filter, aggregation);
    }

    public BufferSettings withLowWatermark(double v) {
        return new BufferSettings(maxRecords, maxBytes, v, fairShare, policy, gapRecords, filter, aggregation);
    }

    public BufferSettings withGapRecords(boolean v) {
        return new BufferSettings(maxRecords, maxBytes, lowWatermark, fairShare, policy, v, filter, aggregation);
    }

    public BufferSettings withFilter(ReadingFilter v) {
        return new BufferSettings(maxRecords, maxBytes, lowWatermark, fairShare, policy, gapRecords, v, aggregation);
    }

    public BufferSettings withAggregation(Aggregation v) {
        return new BufferSettings(maxRecords, maxBytes, lowWatermark, fairShare, policy, gapRecords, filter, v);
    }

    long lowRecords() {
        return (long) Math.floor(maxRecords * lowWatermark);
    }

    long lowBytes() {
        return (long) Math.floor(maxBytes * lowWatermark);
    }
}
