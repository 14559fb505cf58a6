package io.sluice.source.record;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.source.buffer.Drained;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns buffer output into source records: key = device id, value = {@link TelemetrySchema},
 * timestamp = event time, headers {@code sluice.seq} and {@code sluice.connection}, partition and
 * offset = {@link DevicePartition} / {@link DeviceOffset}. Keeps each device's last offset so
 * offsets never go backwards (used by the task thread only).
 */
public final class RecordFactory {
    public static final String SEQ_HEADER = "sluice.seq";
    public static final String CONNECTION_HEADER = "sluice.connection";
    private static final long[] NONE = new long[0];

    private final TopicRouter router;
    private final ToLongFunction<String> ackedSeq;
    private final Map<String, Long> lastOffset = new HashMap<>();

    /** @param ackedSeq a device's acknowledged seq in this task (a safe offset for gap records) */
    public RecordFactory(TopicRouter router, ToLongFunction<String> ackedSeq) {
        this.router = router;
        this.ackedSeq = ackedSeq;
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
        if (r.seq() != Reading.NO_SEQ) {
            headers.addLong(SEQ_HEADER, r.seq());
        }
        headers.addString(CONNECTION_HEADER, item.connection());
        Map<String, ?> partition;
        Map<String, ?> offset;
        if (item.sequenced()) {
            partition = new DevicePartition(item.device(), false).toMap();
            offset = new DeviceOffset(advance(item.device(), item.offsetSeq())).toMap();
        } else {
            partition = new DevicePartition(item.device(), true).toMap();
            offset = new DeviceOffset(Math.max(0, r.seq())).toMap();
        }
        return new TelemetrySourceRecord(partition, offset, router.topic(item.device(), r.metric()), Schema.STRING_SCHEMA,
                item.device(), TelemetrySchema.VALUE_SCHEMA, TelemetrySchema.reading(item.device(), r), r.timestampMs(), headers,
                item.device(), item.sequenced() ? item.seqs() : NONE);
    }

    private SourceRecord gap(Gap g) {
        long offset = advance(g.device(), ackedSeq.applyAsLong(g.device()));
        ConnectHeaders headers = new ConnectHeaders();
        return new TelemetrySourceRecord(new DevicePartition(g.device(), false).toMap(), new DeviceOffset(offset).toMap(),
                router.topic(g.device(), g.metric()), Schema.STRING_SCHEMA, g.device(), TelemetrySchema.VALUE_SCHEMA,
                TelemetrySchema.gap(g), g.timestampMs(), headers, g.device(), NONE);
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
