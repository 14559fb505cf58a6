package io.sluice.source.file;

import io.sluice.protocol.file.FileRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Makes the files-topic record of a {@link FileItem}: key = file id, value = {@link FileSchema},
 * timestamp = arrival, partition and offset = {@link FilePartition} / {@link FileOffset}, header
 * {@code sluice.device}.
 */
public final class FileRecords {
    public static final String DEVICE_HEADER = "sluice.device";

    private final String topic;

    public FileRecords(String topic) {
        this.topic = topic;
    }

    public SourceRecord toRecord(FileItem item) {
        FileTransfer t = item.transfer();
        FileRecord r = item.marker()
                ? new FileRecord.Marker(t.device, t.fileId, t.name, t.size, t.sha256, t.chunkSize, t.layout.chunkCount(), item.complete())
                : new FileRecord.Chunk(t.device, t.fileId, t.name, t.size, t.sha256, t.chunkSize, item.offset(), item.crc32c(),
                        item.data());
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(DEVICE_HEADER, t.device);
        return new FileSourceRecord(t.partition.toMap(), item.sourceOffset(), topic, Schema.STRING_SCHEMA, t.fileId,
                FileSchema.VALUE_SCHEMA, FileSchema.value(r), item.timestampMs(), headers, item);
    }
}
