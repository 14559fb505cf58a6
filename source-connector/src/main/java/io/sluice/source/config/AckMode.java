package io.sluice.source.config;

import java.util.Locale;

/** When a device's reading is acknowledged. */
public enum AckMode {
    /** After Kafka has the record ({@code commitRecord}): nothing acknowledged is lost; exactly-once capable. */
    COMMIT,
    /** As soon as the buffer takes it: lower latency, but a worker crash loses what was buffered. */
    RECEIVE;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AckMode parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
