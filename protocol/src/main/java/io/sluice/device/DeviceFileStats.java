package io.sluice.device;

/**
 * File transfer counters of a {@link DeviceClient}.
 *
 * @param filesStarted     transfers begun ({@code sendFile} calls that got as far as sending)
 * @param filesCompleted   transfers the source reported complete
 * @param filesFailed      transfers that failed (refused, checksum, closed)
 * @param filesActive      transfers in progress now
 * @param chunksSent       chunk frames written, resends included
 * @param chunksResent     chunk frames written again
 * @param committedResent  chunk frames written again although the source had reported them in
 *                         Kafka (0 unless the source lost track, e.g. offsets lost in a crash)
 * @param bytesSent        chunk bytes written
 * @param chunksRefused    chunks the source refused (CRC-32C mismatch, out of range)
 */
public record DeviceFileStats(long filesStarted, long filesCompleted, long filesFailed, int filesActive, long chunksSent,
        long chunksResent, long committedResent, long bytesSent, long chunksRefused) {
}
