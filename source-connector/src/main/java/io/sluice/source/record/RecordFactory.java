package io.sluice.source.record;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.source.buffer.Drained;
import io.sluice.source.config.RecordValueFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns buffer output into source records: key = device id, value = {@link TelemetrySchema}
 * (or, with {@link RecordValueFormat#JSON}, the TelemetryJson bytes schema-less), timestamp =
 * event time, headers {@code sluice.seq} and {@code sluice.connection} (unless turned off),
 * partition and offset = {@link DevicePartition} / {@link DeviceOffset}. Keeps each device's last
 * offset so offsets never go backwards (used by the task thread only).
 */
public final class RecordFactory {
    public static final String SEQ_HEADER = "sluice.seq";
    public static final String CONNECTION_HEADER = "sluice.connection";
    private static final long[] NONE = new long[0];

    private final TopicRouter router;
    private final ToLongFunction<String> ackedSeq;
    private final Map<String, Long> lastOffset = new HashMap<>();
    private final RecordValueFormat format;
    private final boolean headers;

    /** @param ackedSeq a device's acknowledged seq in this task (a safe offset for gap records) */
    public RecordFactory(TopicRouter router, ToLongFunction<String> ackedSeq) {
        this(router, ackedSeq, RecordValueFormat.STRUCT, true);
    }

    /**
     * @param format  the record value: a Struct, or the TelemetryJson bytes
     * @param headers whether readings carry the {@code sluice.seq} and {@code sluice.connection} headers
     */
    public RecordFactory(TopicRouter router, ToLongFunction<String> ackedSeq, RecordValueFormat format, boolean headers) {
        this.router = router;
        this.ackedSeq = ackedSeq;
        this.format = format;
        this.headers = headers;
    }

    public SourceRecord toRecord(Drained d) {
        if (d instanceof Drained.ReadingItem r) {
            return reading(r);
        }
        return gap(((Drained.GapItem) d).gap());
    }

    private SourceRecord reading(Drained.ReadingItem item) {
        Reading r = item.reading();
        ConnectHeaders headers = new ConnectHeaders();
        if (this.headers) {
            if (r.seq() != Reading.NO_SEQ) {
                headers.addLong(SEQ_HEADER, r.seq());
            }
            headers.addString(CONNECTION_HEADER, item.connection());
        }
        Map<String, ?> partition;
        Map<String, ?> offset;
        if (item.sequenced()) {
            partition = new DevicePartition(item.device(), false).toMap();
            offset = new DeviceOffset(advance(item.device(), item.offsetSeq())).toMap();
        } else {
            partition = new DevicePartition(item.device(), true).toMap();
            offset = new DeviceOffset(Math.max(0, r.seq())).toMap();
        }
        boolean json = format == RecordValueFormat.JSON;
        return new TelemetrySourceRecord(partition, offset, router.topic(item.device(), r.metric()), Schema.STRING_SCHEMA,
                item.device(), json ? Schema.BYTES_SCHEMA : TelemetrySchema.VALUE_SCHEMA,
                json ? TelemetryJson.format(new DeviceReading(item.device(), r)) : TelemetrySchema.reading(item.device(), r),
                r.timestampMs(), headers, item.device(), item.sequenced() ? item.seqs() : NONE);
    }

    private SourceRecord gap(Gap g) {
        long offset = advance(g.device(), ackedSeq.applyAsLong(g.device()));
        ConnectHeaders headers = new ConnectHeaders();
        return new TelemetrySourceRecord(new DevicePartition(g.device(), false).toMap(), new DeviceOffset(offset).toMap(),
                router.topic(g.device(), g.metric()), Schema.STRING_SCHEMA, g.device(),
                format == RecordValueFormat.JSON ? Schema.BYTES_SCHEMA : TelemetrySchema.VALUE_SCHEMA,
                format == RecordValueFormat.JSON ? TelemetryJson.format(g) : TelemetrySchema.gap(g), g.timestampMs(), headers,
                g.device(), NONE);
    }

    private long advance(String device, long candidate) {
        long prev = lastOffset.getOrDefault(device, 0L);
        long next = Math.max(prev, candidate);
        lastOffset.put(device, next);
        return next;
    }

    /** Forgets the offsets of devices (after the task restarts its view). */
    public void clear() {
        lastOffset.clear();
    }
}
