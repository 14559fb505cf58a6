package io.sluice.protocol.frame;

/** Device → source: every chunk of the file was sent; the server verifies and answers {@link FileStatus}. */
public record FileFin(String fileId) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.FILE_FIN;
    }
}
