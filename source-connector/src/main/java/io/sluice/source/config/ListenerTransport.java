package io.sluice.source.config;

import java.util.Locale;

/** How the listener shares its port between the tasks of one worker. */
public enum ListenerTransport {
    /** epoll with SO_REUSEPORT where available (Linux x86_64), otherwise {@link #SHARED}. */
    AUTO,
    /** epoll with SO_REUSEPORT: every task binds the port itself and the kernel spreads connections. */
    EPOLL,
    /** One NIO listener per port and JVM, handing connections to the tasks in turn. */
    SHARED;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ListenerTransport parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
