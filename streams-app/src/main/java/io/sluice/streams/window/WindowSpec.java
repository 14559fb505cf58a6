package io.sluice.streams.window;

import io.sluice.protocol.telemetry.Aggregate;

/**
 * The window definition: type, size and advance (time windows) or inactivity gap (sessions), and
 * the grace period every window states. A window is open while
 * {@code closeTime(end) > streamTime} and closes, emitting its final aggregate, when stream time
 * reaches {@code closeTime(end)}: {@code end + grace} for time windows (end exclusive),
 * {@code lastReading + gap + grace} for sessions.
 */
public record WindowSpec(String type, long sizeMs, long advanceMs, long gapMs, long graceMs) {

    public static WindowSpec tumbling(long size, long grace) {
        return new WindowSpec(Aggregate.TUMBLING, size, size, 0, grace);
    }

    public static WindowSpec hopping(long size, long advance, long grace) {
        return new WindowSpec(advance == size ? Aggregate.TUMBLING : Aggregate.HOPPING, size, advance, 0, grace);
    }

    public static WindowSpec session(long gap, long grace) {
        return new WindowSpec(Aggregate.SESSION, 0, 0, gap, grace);
    }

    public WindowSpec {
        if (!type.equals(Aggregate.SESSION) && (sizeMs <= 0 || advanceMs <= 0 || advanceMs > sizeMs)) {
            throw new IllegalArgumentException("time windows need 0 < advance <= size, got size " + sizeMs
                    + " advance " + advanceMs);
        }
        if (type.equals(Aggregate.SESSION) && gapMs <= 0) {
            throw new IllegalArgumentException("session windows need a gap > 0, got " + gapMs);
        }
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must not be negative, got " + graceMs);
        }
    }

    public boolean isSession() {
        return type.equals(Aggregate.SESSION);
    }

    /** Start of the latest time window containing {@code ts}. */
    public long lastStart(long ts) {
        return Math.floorDiv(ts, advanceMs) * advanceMs;
    }

    /**
     * Pane length of time windows: the largest slice every window is made of whole
     * (gcd of size and advance; the size itself for tumbling windows). State is kept per pane
     * and windows are merged from their panes when they close, so a reading updates one pane
     * however many hopping windows contain it.
     */
    public long paneMs() {
        long a = sizeMs;
        long b = advanceMs;
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Start of the earliest time window containing a pane (or timestamp) starting at {@code t}. */
    public long firstStart(long t) {
        return Math.floorDiv(t - sizeMs, advanceMs) * advanceMs + advanceMs;
    }

    /** How many time windows contain any one timestamp. */
    public int windowsPerTimestamp() {
        return (int) ((sizeMs + advanceMs - 1) / advanceMs);
    }

    /** Stream time at which a window ending at {@code end} closes (see the class comment). */
    public long closeTime(long end) {
        return isSession() ? end + gapMs + graceMs : end + graceMs;
    }
}
