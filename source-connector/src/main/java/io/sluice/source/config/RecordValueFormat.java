package io.sluice.source.config;

import java.util.Locale;

/** What a reading's record value is. */
public enum RecordValueFormat {
    /** A Connect {@code Struct} (TelemetrySchema); the value converter writes it (e.g. JsonConverter). */
    STRUCT,
    /** The reading's TelemetryJson bytes, schema-less, for {@code ByteArrayConverter}: no Struct, no converter work. */
    JSON;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RecordValueFormat parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
