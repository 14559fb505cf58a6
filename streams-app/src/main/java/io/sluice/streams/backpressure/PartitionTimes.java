package io.sluice.streams.backpressure;

import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What one app instance knows of each partition it reads, shared between the processors (which
 * see event time) and the consumers (which see lag and pauses): stream time of the input
 * partitions, and whether a partition is caught up (nothing left to read and not paused by us).
 */
public final class PartitionTimes {
    private final ConcurrentHashMap<TopicPartition, State> states = new ConcurrentHashMap<>();

    /** Per-partition state; fields are volatile: one writer each (processor thread, consumer thread). */
    public static final class State {
        private volatile long streamTime = AlignmentPolicy.UNKNOWN;
        private volatile boolean caughtUp = true;

        /** Called for every processed record of the partition (one stream thread owns it). */
        public void observe(long eventTime) {
            if (eventTime > streamTime) {
                streamTime = eventTime;
            }
        }

        public long streamTime() {
            return streamTime;
        }

        public boolean caughtUp() {
            return caughtUp;
        }
    }

    public State state(TopicPartition tp) {
        return states.computeIfAbsent(tp, k -> new State());
    }

    public long streamTime(TopicPartition tp) {
        State s = states.get(tp);
        return s == null ? AlignmentPolicy.UNKNOWN : s.streamTime;
    }

    public void caughtUp(TopicPartition tp, boolean caughtUp) {
        state(tp).caughtUp = caughtUp;
    }

    /** Whether every known partition with this number (of any topic) is caught up; unknown ones are. */
    public boolean caughtUp(int partition) {
        for (var e : states.entrySet()) {
            if (e.getKey().partition() == partition && !e.getValue().caughtUp) {
                return false;
            }
        }
        return true;
    }

    /** Forget a partition this instance no longer reads (its time restarts when it comes back). */
    public void forget(TopicPartition tp) {
        states.remove(tp);
    }
}
