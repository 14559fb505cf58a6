package io.sluice.streams.window;

/**
 * When a window is final. By stream time: when the partition's largest event time passes the
 * window's close time ({@link WindowSpec#closeTime}). Per device: when the device's own event time
 * passes the window's end plus {@code deviceGraceMs} (a device's readings reach the app in seq
 * order, so once it is past a window it will not send into it again except out of order), with
 * stream time as the bound: a window still open when stream time reaches its end plus
 * {@code maxBehindMs} closes by stream time.
 *
 * @param perDevice     whether windows close per device
 * @param deviceGraceMs per device: out-of-order tolerance within one device's readings
 * @param maxBehindMs   per device: the grace of the stream-time bound
 */
public record ClosingRule(boolean perDevice, long deviceGraceMs, long maxBehindMs) {
    public static final ClosingRule STREAM_TIME = new ClosingRule(false, 0, 0);

    public static ClosingRule perDevice(long deviceGraceMs, long maxBehindMs) {
        if (deviceGraceMs < 0 || maxBehindMs < deviceGraceMs) {
            throw new IllegalArgumentException("need 0 <= device grace <= max behind, got " + deviceGraceMs + ", "
                    + maxBehindMs);
        }
        return new ClosingRule(true, deviceGraceMs, maxBehindMs);
    }

    /**
     * The window definition whose stream-time close applies: per device, the grace is the
     * max-behind bound; by stream time, the window's own grace.
     */
    public WindowSpec streamTimeSpec(WindowSpec window) {
        return perDevice ? new WindowSpec(window.type(), window.sizeMs(), window.advanceMs(), window.gapMs(), maxBehindMs)
                : window;
    }
}
