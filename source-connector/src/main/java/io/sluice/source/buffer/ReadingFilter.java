package io.sluice.source.buffer;

import io.sluice.protocol.frame.Reading;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which readings go on to Kafka: metric allow and deny lists, a value range and tag rules. A
 * reading left out is not an error; the device is acknowledged for it like for any other.
 *
 * @param include metrics to keep (empty: all)
 * @param exclude metrics to leave out
 * @param min     lowest value kept (NaN: no bound)
 * @param max     highest value kept (NaN: no bound)
 * @param tags    tag name to the pattern its value must match; a missing tag does not match
 */
public record ReadingFilter(List<Pattern> include, List<Pattern> exclude, double min, double max, Map<String, Pattern> tags) {

    public static final ReadingFilter NONE = new ReadingFilter(List.of(), List.of(), Double.NaN, Double.NaN, Map.of());

    public ReadingFilter {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        tags = Map.copyOf(tags);
    }

    public boolean isNone() {
        return include.isEmpty() && exclude.isEmpty() && Double.isNaN(min) && Double.isNaN(max) && tags.isEmpty();
    }

    public boolean keep(Reading r) {
        String metric = r.metric();
        if (!include.isEmpty() && include.stream().noneMatch(p -> p.matcher(metric).matches())) {
            return false;
        }
        if (exclude.stream().anyMatch(p -> p.matcher(metric).matches())) {
            return false;
        }
        double v = r.value();
        if (!Double.isNaN(min) && !(v >= min)) {
            return false;
        }
        if (!Double.isNaN(max) && !(v <= max)) {
            return false;
        }
        for (Map.Entry<String, Pattern> t : tags.entrySet()) {
            String value = r.tags().get(t.getKey());
            if (value == null || !t.getValue().matcher(value).matches()) {
                return false;
            }
        }
        return true;
    }
}
