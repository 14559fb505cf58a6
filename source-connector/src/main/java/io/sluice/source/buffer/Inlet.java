package io.sluice.source.buffer;

/**
 * Whoever offers readings (one device connection): named in records, and told when a full
 * buffer has room again so it can read its socket again.
 */
public interface Inlet {
    /** A short description of the connection, e.g. the remote address. */
    String label();

    /** Whether its readings carry device seqs that are acknowledged (framed port) or not (line mode). */
    default boolean sequenced() {
        return true;
    }

    /**
     * Called once after an offer returned {@link Offer#FULL}, when the buffer is back below its
     * low watermark. Called outside the buffer's lock, on the thread that drained it: hand
     * over to the inlet's own thread and return.
     */
    void onSpace();
}
