package io.sluice.protocol.frame;

import java.util.List;

/** Sink → peer: a batch of records, in offset order per partition. */
public record Records(List<DeliveredRecord> records) implements Frame {
    public Records {
        records = records == null ? List.of() : List.copyOf(records);
    }

    @Override
    public FrameType type() {
        return FrameType.RECORDS;
    }
}
