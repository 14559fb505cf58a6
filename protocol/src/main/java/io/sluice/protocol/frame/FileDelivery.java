package io.sluice.protocol.frame;

import java.util.Arrays;

/**
 * Sink → peer: one chunk of a device's file, from the files topic record at
 * (topic, partition, offset). Carries the whole file's identity so a peer can reassemble
 * without any other state.
 */
public record FileDelivery(String topic, int partition, long offset, String deviceId, String fileId, String name,
        long size, byte[] sha256, int chunkSize, long chunkOffset, int crc32c, byte[] data) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.FILE_DELIVERY;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileDelivery f && topic.equals(f.topic) && partition == f.partition && offset == f.offset
                && deviceId.equals(f.deviceId) && fileId.equals(f.fileId) && name.equals(f.name) && size == f.size
                && Arrays.equals(sha256, f.sha256) && chunkSize == f.chunkSize && chunkOffset == f.chunkOffset
                && crc32c == f.crc32c && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
        return (topic.hashCode() * 31 + partition) * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return "FileDelivery[" + topic + "-" + partition + "@" + offset + ", device=" + deviceId + ", file=" + fileId
                + ", chunkOffset=" + chunkOffset + ", bytes=" + data.length + "]";
    }
}
