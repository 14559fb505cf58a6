package io.sluice.sink.config;

import java.util.Arrays;
import java.util.Locale;

/** Who opens the TCP connection between a sink task and its peers. */
public enum PeerMode {
    /** Each task listens on a port; peers connect (framed TCP/TLS or WebSocket). */
    LISTEN,
    /** Each task connects out to a configured list of peer addresses and keeps those connections up. */
    DIAL;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PeerMode parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    public static String[] configValues() {
        return Arrays.stream(values()).map(PeerMode::configValue).toArray(String[]::new);
    }
}
