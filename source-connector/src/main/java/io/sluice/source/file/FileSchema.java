package io.sluice.source.file;

import io.sluice.protocol.file.FileRecord;
import java.util.HexFormat;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * The value schema of the files topic, with the field names of {@link FileRecord}. Through
 * {@code JsonConverter} (schemas on or off) it is exactly the JSON that
 * {@link io.sluice.protocol.file.FileRecordJson#parse} reads: the sink and any other consumer
 * read it with that one definition.
 */
public final class FileSchema {
    public static final String NAME = "io.sluice.files.Record";
    public static final int VERSION = 1;

    public static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name(NAME).version(VERSION)
            .doc("A chunk of a file sent by a device (kind chunk), or the marker after its last chunk (kind complete or failed)")
            .field(FileRecord.KIND, SchemaBuilder.string().doc("chunk, complete or failed").build())
            .field(FileRecord.DEVICE, SchemaBuilder.string().doc("Device id").build())
            .field(FileRecord.FILE_ID, SchemaBuilder.string().doc("The device's id of the transfer (also the key)").build())
            .field(FileRecord.NAME, SchemaBuilder.string().doc("File name as the device gave it; receivers sanitize it").build())
            .field(FileRecord.SIZE, SchemaBuilder.int64().doc("File size in bytes").build())
            .field(FileRecord.SHA256, SchemaBuilder.string().doc("SHA-256 of the whole file, hex").build())
            .field(FileRecord.CHUNK_SIZE, SchemaBuilder.int32().doc("Bytes of every chunk but the last").build())
            .field(FileRecord.OFFSET, SchemaBuilder.int64().optional().doc("Chunk: byte offset in the file").build())
            .field(FileRecord.CRC32C, SchemaBuilder.int64().optional().doc("Chunk: CRC-32C of the data, unsigned").build())
            .field(FileRecord.DATA, SchemaBuilder.bytes().optional().doc("Chunk: the bytes").build())
            .field(FileRecord.CHUNKS, SchemaBuilder.int32().optional().doc("Marker: the file's number of chunks").build())
            .build();

    private FileSchema() {
    }

    public static Struct value(FileRecord r) {
        Struct s = new Struct(VALUE_SCHEMA)
                .put(FileRecord.DEVICE, r.device())
                .put(FileRecord.FILE_ID, r.fileId())
                .put(FileRecord.NAME, r.name())
                .put(FileRecord.SIZE, r.size())
                .put(FileRecord.SHA256, HexFormat.of().formatHex(r.sha256()))
                .put(FileRecord.CHUNK_SIZE, r.chunkSize());
        if (r instanceof FileRecord.Chunk c) {
            s.put(FileRecord.KIND, FileRecord.KIND_CHUNK)
                    .put(FileRecord.OFFSET, c.offset())
                    .put(FileRecord.CRC32C, Integer.toUnsignedLong(c.crc32c()))
                    .put(FileRecord.DATA, c.data());
        } else {
            FileRecord.Marker m = (FileRecord.Marker) r;
            s.put(FileRecord.KIND, m.complete() ? FileRecord.KIND_COMPLETE : FileRecord.KIND_FAILED)
                    .put(FileRecord.CHUNKS, m.chunks());
        }
        return s;
    }
}
