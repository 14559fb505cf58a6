package io.sluice.source.buffer;

/**
 * A consistent snapshot of a {@link DeviceBuffer}'s state and counters.
 *
 * @param records        records held now (an open aggregate counts as one)
 * @param bytes          bytes held now
 * @param peakRecords    most records ever held at once
 * @param peakBytes      most bytes ever held at once
 * @param offered        readings offered
 * @param accepted       readings taken (as records or folded into aggregates)
 * @param folded         readings folded into an existing aggregate (part of accepted)
 * @param filtered       readings left out by the filter
 * @param drained        readings handed out by poll (an aggregate counts its readings)
 * @param recordsDrained records handed out by poll (gaps excluded)
 * @param droppedOldest  readings dropped by drop_oldest
 * @param droppedNewest  readings dropped by drop_newest
 * @param refusedFull    offers refused with FULL (block)
 * @param gapsDrained    gap records handed out
 * @param devices        devices with readings in the buffer
 * @param blockedInlets  inlets waiting for room
 */
public record BufferStats(long records, long bytes, long maxRecords, long maxBytes, long peakRecords, long peakBytes, long offered,
        long accepted, long folded, long filtered, long drained, long recordsDrained, long droppedOldest, long droppedNewest,
        long refusedFull, long gapsDrained, int devices, int blockedInlets) {

    public long dropped() {
        return droppedOldest + droppedNewest;
    }

    /** Fill ratio: the larger of records and bytes over their capacities. */
    public double fillRatio() {
        return Math.max((double) records / maxRecords, (double) bytes / maxBytes);
    }
}
