package io.sluice.source.buffer;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Gap;

/** One item {@link DeviceBuffer#poll} hands out: a reading (possibly an aggregate) or a gap report. */
public sealed interface Drained {

    String device();

    /**
     * A reading on its way to Kafka.
     *
     * @param reading    the reading; for an aggregate, its value is the aggregate function's and its
     *                   tags carry the other figures
     * @param connection the label of the connection it came from
     * @param seqs       every device seq this record stands for (one for a plain reading, all folded
     *                   seqs for an aggregate, none for readings without a seq)
     * @param aggregated whether this is a pre-aggregate
     * @param sequenced  whether it came with an acknowledged device seq (framed port)
     * @param offsetSeq  the highest seq such that every seq of this device up to it is in this
     *                   record, in one handed out before, or no longer buffered (dropped, filtered):
     *                   safe to store as the device's resume point once this record is in Kafka
     */
    record ReadingItem(String device, Reading reading, String connection, long[] seqs, boolean aggregated, boolean sequenced,
            long offsetSeq) implements Drained {
    }

    /** Readings of one device and metric that the overflow policy dropped. */
    record GapItem(Gap gap) implements Drained {
        @Override
        public String device() {
            return gap.device();
        }
    }
}
