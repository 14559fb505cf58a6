package io.sluice.sink.peer;

import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;

/** The transport under one peer session (a Netty channel in production, a fake in unit tests). */
public interface PeerLink {
    /** Sends a control frame (Subscribed, Pong, ...) now, ahead of nothing in particular. */
    void send(Frame frame);

    /** Asks the transport to move queued records to the wire while it is writable. */
    void requestDrain();

    /** Sends {@code error} (if not null) and closes. */
    void close(ErrorFrame error);

    /** Who is at the other end, for logs. */
    String remote();
}
