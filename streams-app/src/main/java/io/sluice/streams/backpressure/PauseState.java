package io.sluice.streams.backpressure;

/** The controller's decision, read by every main consumer of the instance at its next poll. */
public final class PauseState {
    private volatile boolean pauseAll;

    public boolean pauseAll() {
        return pauseAll;
    }

    public void pauseAll(boolean pause) {
        this.pauseAll = pause;
    }
}
