package io.sluice.source.config;

import java.util.Locale;

/** The value a pre-aggregated record carries. */
public enum AggregateFunction {
    COUNT, SUM, MIN, MAX, LAST, AVG;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AggregateFunction parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
