package io.sluice.quickstart.stack;

/** A start-up or shutdown problem with a message meant for the person at the terminal. */
public final class StackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
