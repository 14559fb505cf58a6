package io.sluice.sink.peer;

/**
 * Where one peer stands in one partition. Guarded by the owning session's lock.
 *
 * <ul>
 * <li>{@code next}: every offset below it was enqueued for the peer or filtered out;</li>
 * <li>{@code lastEnqueued}: the highest offset put in the peer's queue;</li>
 * <li>{@code acked}: the highest offset the peer acknowledged (inclusive);</li>
 * <li>{@code mode}: {@link Mode#LIVE} takes records from the task's {@code put()},
 *     {@link Mode#REPLAY} takes them from the replay reader until it reaches the live position.</li>
 * </ul>
 */
final class PartitionCursor {
    enum Mode { LIVE, REPLAY }

    Mode mode;
    long next;
    long lastEnqueued;
    long acked;
    /** LIVE from "now" where now was unknown: the first record seen sets the baseline. */
    boolean fresh;

    PartitionCursor(Mode mode, long next, long acked) {
        this.mode = mode;
        this.next = next;
        this.acked = acked;
        this.lastEnqueued = acked;
    }

    static PartitionCursor liveFrom(Long livePosition) {
        if (livePosition == null) {
            PartitionCursor c = new PartitionCursor(Mode.LIVE, 0, -1);
            c.fresh = true;
            return c;
        }
        return new PartitionCursor(Mode.LIVE, livePosition, livePosition - 1);
    }

    /** Resume after {@code acked}: re-read what follows from Kafka. */
    static PartitionCursor resumeAfter(long acked) {
        return new PartitionCursor(Mode.REPLAY, acked + 1, acked);
    }

    boolean outstanding() {
        return lastEnqueued > acked;
    }

    /**
     * The lowest offset this peer still needs in this partition, or -1 if it holds nothing back
     * (live, everything it was sent is acknowledged).
     */
    long floor() {
        if (outstanding()) {
            return acked + 1;
        }
        return mode == Mode.LIVE ? -1 : next;
    }

    /** The peer went away: everything not acknowledged must be sent again. */
    void rewindToAck() {
        mode = Mode.REPLAY;
        next = acked + 1;
        lastEnqueued = acked;
        fresh = false;
    }

    @Override
    public String toString() {
        return mode + "[next=" + next + ", lastEnqueued=" + lastEnqueued + ", acked=" + acked + "]";
    }
}
