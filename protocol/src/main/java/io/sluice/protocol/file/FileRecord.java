package io.sluice.protocol.file;

import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.FileDelivery;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A record of the files topic, as the source connector writes it (key: the file id) and the
 * sink connector reads it. Every record carries the whole file's identity, so a receiver can
 * reassemble from the records alone. The JSON form (the value through Connect's
 * {@code JsonConverter}) is read and written by {@link FileRecordJson}; the field names below
 * are the one definition both connectors use.
 *
 * <pre>
 * {"kind":"chunk","device":"cam-1","file_id":"f-42","name":"img.jpg","size":1048577,"sha256":"9f86…",
 *  "chunk_size":524288,"offset":524288,"crc32c":3141592653,"data":"&lt;base64&gt;","chunks":null}
 * {"kind":"complete","device":"cam-1","file_id":"f-42","name":"img.jpg","size":1048577,"sha256":"9f86…",
 *  "chunk_size":524288,"offset":null,"crc32c":null,"data":null,"chunks":3}
 * </pre>
 */
public sealed interface FileRecord permits FileRecord.Chunk, FileRecord.Marker {
    String KIND = "kind";
    String DEVICE = "device";
    String FILE_ID = "file_id";
    String NAME = "name";
    String SIZE = "size";
    String SHA256 = "sha256";
    String CHUNK_SIZE = "chunk_size";
    String OFFSET = "offset";
    String CRC32C = "crc32c";
    String DATA = "data";
    String CHUNKS = "chunks";

    String KIND_CHUNK = "chunk";
    String KIND_COMPLETE = "complete";
    String KIND_FAILED = "failed";

    /**
     * Bytes a record may take beyond its chunk's base64 text: the other fields at their limits
     * (a 1024-byte name with every character escaped, ids of 128 characters), the key and
     * Kafka's record and batch headers. Used to check a chunk size against Kafka's limits.
     */
    int MAX_OVERHEAD_BYTES = 4096;

    String device();

    String fileId();

    String name();

    long size();

    byte[] sha256();

    int chunkSize();

    /** {@code s} cut to at most {@code maxBytes} of UTF-8, on a character boundary. */
    static String cut(String s, int maxBytes) {
        if (utf8Length(s) <= maxBytes) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (used + n > maxBytes) {
                break;
            }
            b.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The largest JSON record a chunk of {@code chunkBytes} makes (base64 plus {@link #MAX_OVERHEAD_BYTES}). */
    static long maxRecordBytes(long chunkBytes) {
        return 4 * ((chunkBytes + 2) / 3) + MAX_OVERHEAD_BYTES;
    }

    /** One chunk of a file. {@code crc32c} is the CRC-32C of {@code data}, as on the wire. */
    record Chunk(String device, String fileId, String name, long size, byte[] sha256, int chunkSize, long offset, int crc32c,
            byte[] data) implements FileRecord {

        /**
         * The frame a peer receives for this chunk, read from the files topic at (topic, partition,
         * offset). A name longer than the frame allows (a record not written by the source) is cut
         * to {@link ProtocolLimits#MAX_FILE_NAME_BYTES}; receivers sanitize names anyway.
         *
         * @throws IllegalArgumentException when the device or file id is too long for any frame
         */
        public FileDelivery toDelivery(String topic, int partition, long kafkaOffset) {
            if (utf8Length(device) > ProtocolLimits.MAX_TEXT_BYTES || utf8Length(fileId) > ProtocolLimits.MAX_TEXT_BYTES) {
                throw new IllegalArgumentException("device or file id over " + ProtocolLimits.MAX_TEXT_BYTES + " bytes");
            }
            return new FileDelivery(topic, partition, kafkaOffset, device, fileId, cut(name, ProtocolLimits.MAX_FILE_NAME_BYTES),
                    size, sha256, chunkSize, offset, crc32c, data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Chunk c && device.equals(c.device) && fileId.equals(c.fileId) && name.equals(c.name)
                    && size == c.size && Arrays.equals(sha256, c.sha256) && chunkSize == c.chunkSize && offset == c.offset
                    && crc32c == c.crc32c && Arrays.equals(data, c.data);
        }

        @Override
        public int hashCode() {
            return fileId.hashCode() * 31 + Long.hashCode(offset);
        }

        @Override
        public String toString() {
            return "Chunk[" + device + "/" + fileId + " @" + offset + ", " + data.length + " bytes]";
        }
    }

    /**
     * Written by the source after the last chunk once the device finished the file: every chunk is
     * in the topic before it, and the source checked the whole file's SHA-256 ({@code complete})
     * or found it wrong ({@code !complete}).
     */
    record Marker(String device, String fileId, String name, long size, byte[] sha256, int chunkSize, int chunks,
            boolean complete) implements FileRecord {

        @Override
        public boolean equals(Object o) {
            return o instanceof Marker m && device.equals(m.device) && fileId.equals(m.fileId) && name.equals(m.name)
                    && size == m.size && Arrays.equals(sha256, m.sha256) && chunkSize == m.chunkSize && chunks == m.chunks
                    && complete == m.complete;
        }

        @Override
        public int hashCode() {
            return fileId.hashCode();
        }

        @Override
        public String toString() {
            return "Marker[" + device + "/" + fileId + ", " + (complete ? "complete" : "failed") + ", " + chunks + " chunks, sha256 "
                    + HexFormat.of().formatHex(sha256) + "]";
        }
    }
}
