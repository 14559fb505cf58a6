package io.sluice.source.buffer;

/** What {@link DeviceBuffer#offer} did with a reading. */
public enum Offer {
    /** Buffered as a record of its own. */
    ACCEPTED,
    /** Folded into the open pre-aggregate of its device and metric. */
    AGGREGATED,
    /** Left out by a filter (not buffered, not an error). */
    FILTERED,
    /** Dropped by the device's overflow policy (counted). */
    DROPPED,
    /** Not taken: the policy is block. The inlet's {@link Inlet#onSpace()} runs once there is room again. */
    FULL,
    /** The buffer is closed or failed. */
    CLOSED
}
