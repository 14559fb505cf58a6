package io.sluice.streams.backpressure;

/**
 * Decides whether input should be paused, from downstream signals, with hysteresis: it pauses
 * when any signal reaches its high mark and resumes only when every signal is at or below its
 * low mark, so it does not flap around one threshold. Plain class: the caller measures, this
 * decides.
 *
 * <p>Signals: the lag of the downstream consumer group on the output topic (records; negative
 * means unknown this time, which keeps the current decision for that signal) and the fullness
 * of the app's producer buffer (0..1).
 */
public final class BackpressureController {
    private final long lagHigh;
    private final long lagLow;
    private final double bufferHigh;
    private final double bufferLow;
    private boolean paused;
    private String reason = "";

    public BackpressureController(long lagHigh, long lagLow, double bufferHigh, double bufferLow) {
        if (lagLow >= lagHigh) {
            throw new IllegalArgumentException("lag low mark (" + lagLow + ") must be below the high mark (" + lagHigh + ")");
        }
        if (bufferLow >= bufferHigh) {
            throw new IllegalArgumentException("buffer low mark (" + bufferLow + ") must be below the high mark (" + bufferHigh + ")");
        }
        this.lagHigh = lagHigh;
        this.lagLow = lagLow;
        this.bufferHigh = bufferHigh;
        this.bufferLow = bufferLow;
    }

    /** Feeds one measurement; returns whether input is (now) paused. */
    public synchronized boolean update(long lag, double bufferRatio) {
        if (!paused) {
            if (lag >= 0 && lag >= lagHigh) {
                paused = true;
                reason = "downstream lag " + lag + " >= " + lagHigh;
            } else if (bufferRatio >= bufferHigh) {
                paused = true;
                reason = "producer buffer " + Math.round(bufferRatio * 100) + "% >= " + Math.round(bufferHigh * 100) + "%";
            }
        } else {
            boolean lagOk = lag >= 0 && lag <= lagLow;
            boolean bufferOk = bufferRatio <= bufferLow;
            if (lagOk && bufferOk) {
                paused = false;
                reason = "downstream lag " + lag + " <= " + lagLow + " and producer buffer "
                        + Math.round(bufferRatio * 100) + "% <= " + Math.round(bufferLow * 100) + "%";
            }
        }
        return paused;
    }

    public synchronized boolean paused() {
        return paused;
    }

    /** Why the last change happened. */
    public synchronized String reason() {
        return reason;
    }
}
