package io.sluice.streams.config;

/** What happens to an input record that does not parse. */
public enum BadRecordPolicy {
    /** Written unchanged to the dead-letter topic with the error in a header; counted. */
    DEAD_LETTER,
    /** Counted and dropped. */
    SKIP,
    /** Stops the application. */
    FAIL
}
