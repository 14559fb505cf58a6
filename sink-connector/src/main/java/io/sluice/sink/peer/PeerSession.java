package io.sluice.sink.peer;

import io.sluice.sink.config.SlowPeerPolicy;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;

/**
 * One connected peer: its identity, subscription, bounded queue and per-partition cursors.
 * Cursor state is guarded by {@code lock} (for a durable peer, its registry entry's); the
 * queue has its own lock so the network thread can drain while the task routes.
 */
public final class PeerSession {
    enum State { HELLO, SUBSCRIBE, ACTIVE, CLOSED }

    final long id;
    final PeerLink link;
    final PeerQueue queue;
    final long connectedAtMs;

    volatile State state = State.HELLO;
    volatile String peerName = "";
    volatile String principal = "";
    volatile Subscription subscription;
    volatile SlowPeerPolicy policy;

    /** Guards the cursors; a durable session shares its registry entry's lock and maps. */
    Object lock = new Object();
    /** Guarded by lock: cursors per assigned partition (shared with the durable registry). */
    Map<TopicPartition, PartitionCursor> cursors = new HashMap<>();
    /** Guarded by lock: offsets the peer says it has processed (resumeFrom and acks), any partition. */
    Map<TopicPartition, Long> peerCursors = new HashMap<>();

    final AtomicBoolean replayScheduled = new AtomicBoolean();
    /** Replay threads wait on it for the queue to drain. */
    final Object replaySignal = new Object();
    final AtomicLong rttNanos = new AtomicLong(-1);
    final LongAdder recordsDelivered = new LongAdder();
    final LongAdder bytesDelivered = new LongAdder();
    final LongAdder acks = new LongAdder();
    final LongAdder dropped = new LongAdder();
    volatile long pingSentNanos;

    PeerSession(long id, PeerLink link, PeerQueue queue, long connectedAtMs) {
        this.id = id;
        this.link = link;
        this.queue = queue;
        this.connectedAtMs = connectedAtMs;
    }

    public boolean durable() {
        return !peerName.isEmpty();
    }

    /** The name in logs and metric tags: the durable name, or {@code live-<id>}. */
    public String label() {
        return durable() ? peerName : "live-" + id;
    }

    public boolean active() {
        return state == State.ACTIVE;
    }

    public AtomicBoolean replayScheduled() {
        return replayScheduled;
    }

    public Object replaySignal() {
        return replaySignal;
    }

    public PeerQueue queue() {
        return queue;
    }

    public long id() {
        return id;
    }

    public String peerName() {
        return peerName;
    }

    public String principal() {
        return principal;
    }

    /** Round-trip time of the last ping, ms, or -1 before the first pong. */
    public long rttMillis() {
        long n = rttNanos.get();
        return n < 0 ? -1 : n / 1_000_000;
    }

    public long recordsDelivered() {
        return recordsDelivered.sum();
    }

    @Override
    public String toString() {
        return "peer " + label() + " (" + link.remote() + ")";
    }
}
