package io.sluice.device;

import io.sluice.protocol.frame.ErrorFrame;
import java.net.SocketAddress;
import java.time.Duration;

/** Events of a {@link DeviceClient}, called on its network thread: keep them short. */
public interface DeviceClientListener {
    DeviceClientListener NONE = new DeviceClientListener() {
    };

    /** Handshake done; the source has every reading up to {@code resumeSeq}. */
    default void connected(SocketAddress endpoint, long resumeSeq) {
    }

    default void disconnected(Throwable cause) {
    }

    /** A reconnect attempt is scheduled after {@code delay} (exponential backoff with jitter). */
    default void reconnectScheduled(int attempt, Duration delay) {
    }

    /** The source reported an error; non-fatal ones name the rejected reading's seq. */
    default void error(ErrorFrame error) {
    }

    /** The client gave up for good (a permanent error such as a wrong token). */
    default void failed(Throwable cause) {
    }
}
