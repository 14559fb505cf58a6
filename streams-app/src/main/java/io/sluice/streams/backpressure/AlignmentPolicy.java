package io.sluice.streams.backpressure;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Event-time alignment of the partitions one consumer reads: a partition whose stream time is
 * more than {@code maxDrift} ahead of the slowest partition that still has data to read is
 * paused, and resumes when it is at most {@code resumeDrift} ahead (hysteresis) or when no
 * slower partition has data left. A partition with nothing to read (caught up) or with no stream
 * time yet never holds the others back: an idle partition is not a slow one.
 *
 * @param <P> partition identifier
 */
public final class AlignmentPolicy<P> {
    /** What the policy knows of one partition: its stream time (or {@link #UNKNOWN}) and whether it has unread data. */
    public record View(long streamTime, boolean hasBacklog) {
    }

    public static final long UNKNOWN = Long.MIN_VALUE;

    private final long maxDrift;
    private final long resumeDrift;
    private long lastSkew;

    public AlignmentPolicy(long maxDrift, long resumeDrift) {
        if (maxDrift <= 0 || resumeDrift < 0 || resumeDrift > maxDrift) {
            throw new IllegalArgumentException("need 0 <= resumeDrift (" + resumeDrift + ") <= maxDrift (" + maxDrift
                    + ") and maxDrift > 0");
        }
        this.maxDrift = maxDrift;
        this.resumeDrift = resumeDrift;
    }

    /** The partitions to keep paused from now on, given what each looks like and which are paused now. */
    public Set<P> decide(Map<P, View> partitions, Set<P> pausedNow) {
        long slowest = Long.MAX_VALUE;
        long fastest = Long.MIN_VALUE;
        for (View v : partitions.values()) {
            if (v.streamTime() != UNKNOWN && v.hasBacklog()) {
                slowest = Math.min(slowest, v.streamTime());
                fastest = Math.max(fastest, v.streamTime());
            }
        }
        Set<P> paused = new HashSet<>();
        if (slowest == Long.MAX_VALUE) {
            lastSkew = 0;
            return paused;
        }
        lastSkew = fastest - slowest;
        for (Map.Entry<P, View> e : partitions.entrySet()) {
            long t = e.getValue().streamTime();
            if (t == UNKNOWN) {
                continue;
            }
            long lead = t - slowest;
            boolean was = pausedNow.contains(e.getKey());
            if (was ? lead > resumeDrift : lead > maxDrift) {
                paused.add(e.getKey());
            }
        }
        return paused;
    }

    /** Fastest minus slowest stream time among partitions with data to read, at the last decision. */
    public long lastSkew() {
        return lastSkew;
    }
}
