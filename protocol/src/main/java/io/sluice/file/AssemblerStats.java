package io.sluice.file;

/**
 * Counters of a {@link FileAssembler}.
 *
 * @param filesStarted      files a first chunk arrived for
 * @param filesCompleted    files verified and moved to their final name
 * @param filesFailed       files whose SHA-256 did not match (removed)
 * @param chunksReceived    chunks handed to the assembler, duplicates included
 * @param chunksWritten     chunks written to a partial file
 * @param bytesWritten      their bytes
 * @param chunksSkipped     chunks already written (or of a finished file), not written again
 * @param checksumFailures  chunks whose CRC-32C did not match plus files whose SHA-256 did not
 * @param invalidChunks     chunks that contradict their file (offset, length, size or chunk size)
 * @param partialsRemoved   partial files removed for being older than the TTL
 * @param partialsOpen      partial files now
 */
public record AssemblerStats(long filesStarted, long filesCompleted, long filesFailed, long chunksReceived, long chunksWritten,
        long bytesWritten, long chunksSkipped, long checksumFailures, long invalidChunks, long partialsRemoved, int partialsOpen) {
}
