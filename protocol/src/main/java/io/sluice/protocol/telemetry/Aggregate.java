package io.sluice.protocol.telemetry;

import java.util.Map;
import java.util.Objects;

/**
 * One window of readings summarised by the streams app: which key and window it covers, how
 * many readings it counts, the configured statistics and how complete it is. Statistics that
 * were not configured are {@code null} (absent in JSON); so are min/max/mean/... of an empty
 * window (a window that only saw gap records).
 *
 * @param device       the device, or {@code "*"} when the grouping does not include the device
 * @param metric       the metric, or {@code "*"} when the grouping does not include the metric
 * @param group        the grouping's own fields (for tag grouping: tag name to tag value), never null
 * @param windowType   {@code tumbling}, {@code hopping} or {@code session}
 * @param windowStart  inclusive start, epoch ms (session: first reading's time)
 * @param windowEnd    exclusive end for time windows; for sessions the last reading's time
 * @param isFinal      true when the window is closed and this is its last aggregate
 * @param closedBy     what closed a final window ({@code device}, {@code stream_time} or {@code idle}); null for updates
 * @param count        readings counted
 * @param late         readings of this key dropped as late (after grace) so far, in total
 * @param gapReadings  readings the source reported as dropped (gap records) in this window
 * @param percentiles  name ({@code p50}, {@code p99.9}) to value, from a mergeable sketch; never null
 */
public record Aggregate(
        String device,
        String metric,
        Map<String, String> group,
        String windowType,
        long windowStart,
        long windowEnd,
        boolean isFinal,
        String closedBy,
        long count,
        Double sum,
        Double min,
        Double max,
        Double mean,
        Double stddev,
        Double first,
        Double last,
        Map<String, Double> percentiles,
        long late,
        long gapReadings) {

    public static final String TUMBLING = "tumbling";
    public static final String HOPPING = "hopping";
    public static final String SESSION = "session";
    /** Device or metric of a grouping that does not include it. */
    public static final String ANY = "*";

    public Aggregate {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(windowType, "windowType");
        group = group == null || group.isEmpty() ? Map.of() : Map.copyOf(group);
        percentiles = percentiles == null || percentiles.isEmpty() ? Map.of() : Map.copyOf(percentiles);
    }

    /**
     * The record key of the aggregates topic: {@code device/metric/windowStart}, where the device
     * part is {@code tag=value} for tag grouping (so distinct groups never share a key).
     */
    public String key() {
        return key(device, metric, group, windowStart);
    }

    public static String key(String device, String metric, Map<String, String> group, long windowStart) {
        String first = device;
        if (!group.isEmpty() && ANY.equals(device)) {
            StringBuilder b = new StringBuilder();
            group.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(e.getKey()).append('=').append(e.getValue());
            });
            first = b.toString();
        }
        return first + "/" + metric + "/" + windowStart;
    }
}
