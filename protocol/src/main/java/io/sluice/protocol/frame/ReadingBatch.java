package io.sluice.protocol.frame;

import java.util.List;

/** Device → source, many readings in one frame: how a device gets past the per-segment ingest ceiling. */
public record ReadingBatch(List<Reading> readings) implements Frame {
    public ReadingBatch {
        readings = readings == null ? List.of() : List.copyOf(readings);
    }

    @Override
    public FrameType type() {
        return FrameType.READING_BATCH;
    }
}
