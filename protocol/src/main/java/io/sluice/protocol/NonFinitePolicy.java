package io.sluice.protocol;

/** What to do with a NaN or infinite reading value. */
public enum NonFinitePolicy {
    /** Reject the reading with {@link ErrorCode#BAD_VALUE} (the default: aggregates stay finite). */
    REJECT,
    /** Accept it as is (the JSON forms cannot carry it and write null). */
    ACCEPT
}
