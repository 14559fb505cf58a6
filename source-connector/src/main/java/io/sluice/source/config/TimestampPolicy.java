package io.sluice.source.config;

import java.util.Locale;

/** What to do with a reading whose event time is too far ahead of or behind the worker's clock. */
public enum TimestampPolicy {
    /** Move the timestamp to the nearest allowed bound (the original goes in a header). */
    CLAMP,
    /** Refuse the reading with a non-fatal BAD_TIMESTAMP error. */
    REJECT,
    /** Use the arrival time instead (the original goes in a header). */
    ARRIVAL;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TimestampPolicy parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
