package io.sluice.source.buffer;

/** Thrown by {@link DeviceBuffer#poll} after {@link DeviceBuffer#fail}: the failure on the network side. */
public final class BufferFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    BufferFailedException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** Whether restarting the task may help. */
    public boolean retriable() {
        return retriable;
    }
}
