package io.sluice.source.buffer;

import io.sluice.source.config.AggregateFunction;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Pre-aggregation: per device and metric, readings arriving within one interval (aligned to the
 * epoch, by arrival time) become one record whose value is {@code function}.
 *
 * @param metrics the metrics to aggregate (empty: all)
 */
public record Aggregation(Duration interval, AggregateFunction function, List<Pattern> metrics) {
    public Aggregation {
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms");
        }
        metrics = List.copyOf(metrics);
    }

    public boolean applies(String metric) {
        return metrics.isEmpty() || metrics.stream().anyMatch(p -> p.matcher(metric).matches());
    }
}
