package io.sluice.source.config;

import java.util.Locale;

/** What the buffer does with a reading that does not fit. */
public enum OverflowPolicy {
    /** Refuse it: the connection stops being read until the buffer drains below its low watermark. */
    BLOCK,
    /** Make room by dropping the device's own oldest buffered reading (counted, reported as a gap). */
    DROP_OLDEST,
    /** Drop the incoming reading (counted, reported as a gap). */
    DROP_NEWEST;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OverflowPolicy parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
