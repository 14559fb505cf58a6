package io.sluice.streams.topology;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.streams.config.Grouping;
import java.util.Map;

/**
 * The group a record belongs to under a {@link Grouping}, as one string (fields joined by the
 * unit separator, which device ids and metric names cannot contain), and back.
 */
public final class GroupKey {
    static final char SEP = '\u001f';

    private GroupKey() {
    }

    public static String of(TelemetryRecord r, Grouping grouping, String tag) {
        String metric = r instanceof DeviceReading d ? d.reading().metric() : ((Gap) r).metric();
        return switch (grouping) {
            case DEVICE_METRIC -> r.device() + SEP + metric;
            case DEVICE -> r.device() + SEP + Aggregate.ANY;
            case METRIC -> Aggregate.ANY + SEP + metric;
            case TAG -> {
                String v = r instanceof DeviceReading d ? d.reading().tags().get(tag) : null;
                yield Aggregate.ANY + SEP + metric + SEP + (v == null ? Grouping.MISSING_TAG : v);
            }
        };
    }

    /** device, metric and group fields of a key made by {@link #of}. */
    public record Fields(String device, String metric, Map<String, String> group) {
    }

    /** The device field of a key made by {@link #of} ({@code *} for groupings that mix devices). */
    public static String device(String key) {
        return key.substring(0, key.indexOf(SEP));
    }

    public static Fields fields(String key, String tag) {
        int a = key.indexOf(SEP);
        int b = key.indexOf(SEP, a + 1);
        String device = key.substring(0, a);
        if (b < 0) {
            return new Fields(device, key.substring(a + 1), Map.of());
        }
        return new Fields(device, key.substring(a + 1, b), Map.of(tag, key.substring(b + 1)));
    }

    /** Event time of a record: its own {@code ts}, or the Kafka record's timestamp when it has none. */
    public static long eventTime(TelemetryRecord r, long recordTimestamp) {
        long ts = r.timestampMs();
        return ts == Reading.NO_TIME ? recordTimestamp : ts;
    }
}
