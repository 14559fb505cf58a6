package io.sluice.streams;

import io.sluice.streams.backpressure.PartitionTimes;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live objects one app instance shares between its processors and its consumers: metrics
 * per-partition times, and the count of window panes all tasks hold on the heap (one bound for
 * the instance). Processors find it in their {@code appConfigs()} under {@link #KEY}
 * (Kafka Streams passes config values through unchanged), so the topology itself stays a pure
 * function of the config; without it (tests) they use a private one.
 */
public record AppRuntime(StreamsAppMetrics metrics, PartitionTimes times, Clock clock, AtomicLong heapPanes) {
    public static final String KEY = "sluice.app.runtime";

    public static AppRuntime create(Clock clock) {
        return new AppRuntime(new StreamsAppMetrics(clock), new PartitionTimes(), clock, new AtomicLong());
    }

    public static AppRuntime from(Map<String, Object> appConfigs) {
        Object o = appConfigs.get(KEY);
        return o instanceof AppRuntime r ? r : create(Clock.systemUTC());
    }
}
