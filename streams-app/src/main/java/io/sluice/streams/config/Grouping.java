package io.sluice.streams.config;

/** What one aggregate covers. */
public enum Grouping {
    DEVICE_METRIC(false),
    DEVICE(false),
    METRIC(true),
    TAG(true);

    /** The group value of readings that lack the grouping tag. */
    public static final String MISSING_TAG = "_none";

    private final boolean repartitions;

    Grouping(boolean repartitions) {
        this.repartitions = repartitions;
    }

    /** Whether the group key can live on another partition than the device (key = device) does. */
    public boolean repartitions() {
        return repartitions;
    }
}
