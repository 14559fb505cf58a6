package io.sluice.source.record;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A source record that remembers which device seqs it stands for, so that
 * {@code commitRecord} (which receives this very object) can acknowledge them.
 */
public final class TelemetrySourceRecord extends SourceRecord {
    private final String device;
    private final long[] seqs;

    public TelemetrySourceRecord(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic, Schema keySchema,
            Object key, Schema valueSchema, Object value, Long timestamp, Headers headers, String device, long[] seqs) {
        super(sourcePartition, sourceOffset, topic, null, keySchema, key, valueSchema, value, timestamp, headers);
        this.device = device;
        this.seqs = seqs;
    }

    public String device() {
        return device;
    }

    /** Device seqs to acknowledge once this record is in Kafka (empty for gaps and line mode). */
    public long[] seqs() {
        return seqs;
    }
}
