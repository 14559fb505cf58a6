package io.sluice.source.file;

import io.sluice.source.config.SluiceSourceConfig;
import java.time.Duration;

/**
 * What the file side of a task needs from the configuration.
 *
 * @param topic           the files topic, or null when file transfer is off
 * @param maxFileBytes    largest file accepted
 * @param chunkMinBytes   smallest chunk size a device may announce
 * @param chunkMaxBytes   largest chunk size a device may announce
 * @param maxFrameBytes   the frame limit (a chunk plus its frame header must fit)
 * @param bufferMaxBytes  chunk bytes held for poll()
 * @param bufferMaxChunks chunks held for poll()
 * @param transfersMax    transfers kept in memory
 * @param idle            a transfer idle this long is forgotten (its progress stays in the source offsets)
 */
public record FileSettings(String topic, long maxFileBytes, int chunkMinBytes, int chunkMaxBytes, int maxFrameBytes,
        long bufferMaxBytes, int bufferMaxChunks, int transfersMax, Duration idle) {

    public boolean enabled() {
        return topic != null;
    }

    public static FileSettings from(SluiceSourceConfig c) {
        return new FileSettings(c.filesTopic().orElse(null), c.filesMaxBytes(), c.filesChunkMinBytes(), c.filesChunkMaxBytes(),
                c.protocolLimits().maxFrameBytes(), c.filesBufferMaxBytes(), c.filesBufferMaxChunks(), c.filesTransfersMax(),
                c.filesTransferIdle());
    }
}
