package io.sluice.device;

import java.util.HexFormat;

/**
 * A file the source reported complete: every chunk is in Kafka and the source checked the whole
 * file's SHA-256.
 *
 * @param fileId        the transfer's id
 * @param name          the name sent
 * @param size          bytes
 * @param sha256        SHA-256 of the content
 * @param chunks        chunks the file has
 * @param chunksSent    chunk frames written for it, first sends and resends together
 * @param chunksResent  chunk frames written again (after a reconnect or a refused chunk)
 * @param bytesSent     chunk bytes written, resends included
 * @param elapsedNanos  from the call to the source's completion
 */
public record FileSendResult(String fileId, String name, long size, byte[] sha256, int chunks, long chunksSent, long chunksResent,
        long bytesSent, long elapsedNanos) {
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    @Override
    public String toString() {
        return "FileSendResult[" + fileId + " '" + name + "' " + size + " bytes, " + chunks + " chunks, sent " + chunksSent
                + " (resent " + chunksResent + ")]";
    }
}
