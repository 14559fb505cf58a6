package io.sluice.peer;

import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Subscribed;
import java.net.SocketAddress;
import java.time.Duration;

/** Connection events of a {@link PeerClient}, called on its network threads: keep them short. */
public interface PeerClientListener {
    PeerClientListener NONE = new PeerClientListener() {
    };

    /** A sink task accepted the subscription on this connection. */
    default void subscribed(SocketAddress endpoint, Subscribed subscribed) {
    }

    default void disconnected(SocketAddress endpoint, Throwable cause) {
    }

    /** A reconnect to {@code endpoint} is scheduled after {@code delay} (exponential backoff with jitter). */
    default void reconnectScheduled(String endpoint, int attempt, Duration delay) {
    }

    /** The sink reported an error. */
    default void error(SocketAddress endpoint, ErrorFrame error) {
    }

    /** The client gave up for good (wrong token, subscription denied, ...). */
    default void failed(Throwable cause) {
    }
}
