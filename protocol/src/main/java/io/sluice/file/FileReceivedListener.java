package io.sluice.file;

/**
 * Told about files a receiver (a {@code PeerClient} with a destination folder, or the sink's
 * folder writer) finished. Called on the receiver's writer thread: keep it short.
 */
public interface FileReceivedListener {
    FileReceivedListener NONE = new FileReceivedListener() {
        @Override
        public void received(ReceivedFile file) {
        }
    };

    /** A file is complete, verified and in its final place; called once per file. */
    void received(ReceivedFile file);

    /**
     * A file could not be assembled: its whole-file SHA-256 did not match (the partial data was
     * removed). Called once per file.
     */
    default void failed(String device, String fileId, String name, String reason) {
    }
}
