package io.sluice.protocol.frame;

import java.util.List;

/**
 * Source → device: which byte ranges of the file are in Kafka. Sent as the answer to
 * {@link FileInit} (so a resumed transfer sends only the rest), as the ack of chunks once
 * Kafka has them, and after {@link FileFin} with {@code complete} set.
 */
public record FileStatus(String fileId, List<ByteRange> committed, boolean complete) implements Frame {
    public FileStatus {
        committed = committed == null ? List.of() : List.copyOf(committed);
    }

    @Override
    public FrameType type() {
        return FrameType.FILE_STATUS;
    }
}
