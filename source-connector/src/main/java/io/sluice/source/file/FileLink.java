package io.sluice.source.file;

import io.sluice.protocol.frame.Frame;

/** The device connection a transfer answers on (the framed session); thread-safe. */
public interface FileLink {
    /** Writes and flushes a frame (from any thread; nothing happens once the connection is closed). */
    void send(Frame frame);

    /** Runs on the connection's own thread. */
    void execute(Runnable task);

    /** The remote address, for records and logs. */
    String label();
}
