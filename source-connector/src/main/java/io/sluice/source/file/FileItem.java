package io.sluice.source.file;

import java.util.Map;

/**
 * One record on its way from a device to the files topic: a chunk, or the marker after the last
 * one. Plain data; {@code FileRecords} makes the Connect record of it.
 *
 * @param transfer     the transfer it belongs to (told in {@code committed} once Kafka has it)
 * @param chunk        the chunk's index, or -1 for a marker
 * @param complete     for a marker: the whole file's SHA-256 matched
 * @param offset       the chunk's byte offset in the file
 * @param crc32c       the chunk's CRC-32C
 * @param data         the chunk's bytes (empty for a marker)
 * @param sourceOffset the Connect source offset once this record (and every earlier one of the file) is in Kafka
 * @param timestampMs  arrival time, the record's timestamp
 */
public record FileItem(FileTransfer transfer, int chunk, boolean complete, long offset, int crc32c, byte[] data,
        Map<String, Object> sourceOffset, long timestampMs) {

    public boolean marker() {
        return chunk < 0;
    }
}
