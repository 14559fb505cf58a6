package io.sluice.source.file;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.source.SourceRecord;

/** A files-topic record that remembers its {@link FileItem}, so {@code commitRecord} can acknowledge the device. */
public final class FileSourceRecord extends SourceRecord {
    private final FileItem item;

    FileSourceRecord(Map<String, ?> partition, Map<String, ?> offset, String topic, Schema keySchema, Object key, Schema valueSchema,
            Object value, Long timestamp, Headers headers, FileItem item) {
        super(partition, offset, topic, null, keySchema, key, valueSchema, value, timestamp, headers);
        this.item = item;
    }

    public FileItem item() {
        return item;
    }
}
