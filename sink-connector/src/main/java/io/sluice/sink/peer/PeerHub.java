package io.sluice.sink.peer;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileDelivery;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.file.FileRecord;
import io.sluice.protocol.file.FileRecordJson;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.frame.Subscribe;
import io.sluice.protocol.frame.Subscribed;
import io.sluice.sink.config.SlowPeerPolicy;
import io.sluice.sink.metrics.SinkMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer side of one sink task, without Kafka or Netty: sessions and their handshake,
 * routing of records into per-peer queues, per-partition cursors, acks, the offsets that are
 * safe to commit, which partitions to pause for slow peers, and the hand-over between live
 * delivery and the replay reader for peers that are behind.
 *
 * <p>Threads: the task thread calls {@link #route}, {@link #assign}, {@link #revoke},
 * {@link #commitOffsets} and {@link #partitionsToPause}; network threads call the session
 * methods and {@link #pollBatch}; replay threads call {@link #replayPositions} and
 * {@link #offerReplayed}. Cursor state is guarded per session (see {@link PeerSession}).
 *
 * <p>The live/replay hand-over: {@link #route} first raises the live position of each
 * partition, then routes under each session's lock; a replaying cursor switches to live (under
 * the same lock) only once it has reached the live position. So a record is either routed
 * live to a cursor that is live, or read by the replay, never neither.
 */
public final class PeerHub {
    private static final Logger log = LoggerFactory.getLogger(PeerHub.class);
    private static final Pattern PEER_NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    /** Everything the hub needs to know from the configuration. */
    public record Settings(int queueMaxRecords, long queueMaxBytes, double highWatermark, double lowWatermark,
            SlowPeerPolicy policy, int batchMaxRecords, int frameMaxBytes, Duration durableExpiry, int maxPeers,
            Map<String, String> tokens, Map<String, List<Pattern>> acl, TopicScope scope) {
        public Settings {
            tokens = Map.copyOf(tokens);
            acl = Map.copyOf(acl);
        }
    }

    /** Runs the replay reader for sessions that have cursors in replay mode. */
    public interface ReplayScheduler {
        /** The session has replay cursors: make sure a replay job runs for it. */
        void schedule(PeerSession session);

        /** The session's queue drained: a waiting replay job may read on. */
        void wake(PeerSession session);

        ReplayScheduler NONE = new ReplayScheduler() {
            @Override
            public void schedule(PeerSession session) {
            }

            @Override
            public void wake(PeerSession session) {
            }
        };
    }

    /** Told about durable peers, to keep their state beyond this task's life (see {@link EndpointDirectory}). */
    public interface DurableListener {
        /** A durable peer subscribed, or went away (then {@code connected} is false). */
        void seen(String name, List<String> topics, List<String> topicPatterns, boolean connected);

        DurableListener NONE = (name, topics, patterns, connected) -> {
        };
    }

    /** What one replay read did. */
    public enum ReplayOutcome { CONTINUE, QUEUE_FULL, CAUGHT_UP, GONE }

    /** A durable peer's state, kept while it is away. */
    static final class Durable {
        final String name;
        final Object lock = new Object();
        final Map<TopicPartition, PartitionCursor> cursors = new HashMap<>();
        final Map<TopicPartition, Long> peerCursors = new HashMap<>();
        volatile Subscription subscription;
        volatile List<String> topics = List.of();
        volatile List<String> topicPatterns = List.of();
        volatile String principal;
        volatile PeerSession session;
        volatile long disconnectedAtMs = -1;

        Durable(String name) {
            this.name = name;
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final SinkMetrics metrics;
    private volatile ReplayScheduler replay = ReplayScheduler.NONE;
    private volatile DurableListener durableListener = DurableListener.NONE;
    private final Supplier<List<String>> endpoints;
    private volatile Set<String> fileTopics = Set.of();

    private final AtomicLong ids = new AtomicLong();
    private final List<PeerSession> sessions = new CopyOnWriteArrayList<>();
    private final Map<String, Durable> durables = new ConcurrentHashMap<>();
    private final Object registryLock = new Object();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    /** Next offset the task's put() will bring per partition, once known. */
    private final Map<TopicPartition, Long> livePositions = new ConcurrentHashMap<>();
    /** Task thread only. */
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    /** Per assigned partition: the first offset this task's consumer was at (where it resumed after its start). */
    private final Map<TopicPartition, Long> startPositions = new ConcurrentHashMap<>();

    public PeerHub(Settings settings, Clock clock, SinkMetrics metrics, Supplier<List<String>> endpoints) {
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.endpoints = endpoints;
        metrics.gauge("peers-connected", "Peers with an active subscription", () -> sessions.stream().filter(PeerSession::active).count());
        metrics.gauge("durable-peers-known", "Durable peers whose cursors the task keeps (connected or not)", durables::size);
    }

    public void replayScheduler(ReplayScheduler scheduler) {
        this.replay = scheduler;
    }

    /** Topics whose records are file chunks: delivered as {@link FileDelivery} frames. */
    public void fileTopics(Set<String> topics) {
        this.fileTopics = Set.copyOf(topics);
    }

    public Set<String> fileTopics() {
        return fileTopics;
    }

    public void durableListener(DurableListener listener) {
        this.durableListener = listener;
    }

    /**
     * A durable peer known from before this task started (the state topic): it holds commits
     * back and resumes from these cursors, as if it had just disconnected from this task.
     *
     * @return false if the peer is already known here or its subscription is unusable
     */
    public boolean restoreDurable(String name, List<String> topics, List<String> topicPatterns,
            Map<TopicPartition, Long> cursors, long lastSeenMs) {
        Subscription sub;
        try {
            sub = Subscription.of(new Subscribe(topics, topicPatterns, List.of(), List.of(), List.of()));
        } catch (ProtocolException e) {
            return false;
        }
        synchronized (registryLock) {
            if (durables.containsKey(name)) {
                return false;
            }
            Durable d = new Durable(name);
            d.subscription = sub;
            d.topics = List.copyOf(topics);
            d.topicPatterns = List.copyOf(topicPatterns);
            d.disconnectedAtMs = lastSeenMs;
            synchronized (d.lock) {
                d.peerCursors.putAll(cursors);
                restoreCursors(d, assigned);
            }
            durables.put(name, d);
        }
        return true;
    }

    /** Under d.lock, for a peer that is away: cursors of assigned partitions from what it acknowledged. */
    private static void restoreCursors(Durable d, java.util.Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Long acked = d.peerCursors.get(tp);
            if (acked != null && !d.cursors.containsKey(tp) && d.subscription.matchesTopic(tp.topic())) {
                d.cursors.put(tp, PartitionCursor.resumeAfter(acked));
            }
        }
    }

    /**
     * Task thread: a durable peer known to this task but not connected, without a cursor for
     * {@code tp} (it had acknowledged nothing there before this task started, or it was restored
     * from the state topic without an ack for it), gets one that replays from where this task
     * started on {@code tp}. Without it nothing would hold back the commits of {@code tp} for that
     * peer: the records put while it is away would be committed and never delivered to it.
     */
    private void holdForAbsentDurables(TopicPartition tp) {
        Long start = startPositions.get(tp);
        if (start == null) {
            return;
        }
        for (Durable d : durables.values()) {
            Subscription sub = d.subscription;
            if (sub == null || !sub.matchesTopic(tp.topic())) {
                continue;
            }
            synchronized (d.lock) {
                if (d.session == null && !d.cursors.containsKey(tp)) {
                    d.cursors.put(tp, PartitionCursor.resumeAfter(start - 1));
                }
            }
        }
    }

    /** Task thread: the last acknowledged offset of every durable peer in every assigned partition. */
    public Map<String, Map<TopicPartition, Long>> durableAcks() {
        Map<String, Map<TopicPartition, Long>> out = new HashMap<>();
        for (Durable d : durables.values()) {
            Map<TopicPartition, Long> acks = new HashMap<>();
            synchronized (d.lock) {
                d.cursors.forEach((tp, c) -> {
                    if (c.acked >= 0) {
                        acks.put(tp, c.acked);
                    }
                });
            }
            if (!acks.isEmpty()) {
                out.put(d.name, acks);
            }
        }
        return out;
    }

    /** The subscription a durable peer last made, as topics and patterns (empty lists if unknown). */
    public List<List<String>> durableSubscription(String name) {
        Durable d = durables.get(name);
        return d == null ? List.of(List.of(), List.of()) : List.of(d.topics, d.topicPatterns);
    }

    public Settings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ sessions

    /** A new connection; null if the task has as many peers as it may. */
    public PeerSession open(PeerLink link) {
        if (sessions.size() >= settings.maxPeers()) {
            metrics.disconnected("too_many_connections");
            link.close(new ErrorFrame(ErrorCode.TOO_MANY_CONNECTIONS, "this sink task serves at most "
                    + settings.maxPeers() + " peers"));
            return null;
        }
        PeerSession s = new PeerSession(ids.incrementAndGet(), link, new PeerQueue(settings.queueMaxRecords(),
                settings.queueMaxBytes(), settings.highWatermark(), settings.lowWatermark()), clock.millis());
        s.policy = settings.policy();
        sessions.add(s);
        return s;
    }

    /**
     * The first frame. Checks version, token and name.
     *
     * @param tlsNames names of the peer's verified certificate (mTLS), CN first; empty otherwise
     */
    public void hello(PeerSession s, PeerHello h, List<String> tlsNames) {
        if (s.state != PeerSession.State.HELLO) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "peer_hello was already received");
        }
        if (!ProtocolVersion.supported(h.version())) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + h.version()
                    + " is not supported; this sink speaks " + ProtocolVersion.MIN + " to " + ProtocolVersion.CURRENT);
        }
        String principal;
        if (!settings.tokens().isEmpty()) {
            principal = settings.tokens().get(h.token());
            if (principal == null) {
                throw new ProtocolException(ErrorCode.AUTH_FAILED, h.token().isEmpty()
                        ? "this sink requires a peer token" : "the peer token is not valid");
            }
        } else if (!tlsNames.isEmpty()) {
            principal = tlsNames.get(0);
        } else {
            principal = h.durable() ? h.peerName() : "anonymous";
        }
        if (h.durable() && !PEER_NAME.matcher(h.peerName()).matches()) {
            throw new ProtocolException(ErrorCode.BAD_SUBSCRIPTION, "peer name '"
                    + io.sluice.protocol.ProtocolLimits.printable(h.peerName())
                    + "' must be 1-128 of A-Z a-z 0-9 . _ - : @ (or empty for a live-only peer)");
        }
        s.principal = principal;
        s.peerName = h.peerName();
        s.state = PeerSession.State.SUBSCRIBE;
    }

    /** The second frame: validates the subscription and starts delivery. */
    public Subscribed subscribe(PeerSession s, Subscribe sub) {
        if (s.state != PeerSession.State.SUBSCRIBE) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, s.state == PeerSession.State.HELLO
                    ? "send peer_hello before subscribe" : "this connection is already subscribed");
        }
        Subscription subscription = Subscription.of(sub);
        for (String topic : subscription.topics()) {
            if (!settings.scope().serves(topic)) {
                throw new ProtocolException(ErrorCode.SUBSCRIPTION_DENIED, "topic '" + topic
                        + "' is not delivered by this connector (it reads " + settings.scope().describe() + ")");
            }
            if (!aclAllows(s.principal, topic)) {
                throw new ProtocolException(ErrorCode.SUBSCRIPTION_DENIED, "peer '" + s.principal
                        + "' may not subscribe to topic '" + topic + "'");
            }
        }
        s.subscription = subscription;
        PeerSession replaced = null;
        if (s.durable()) {
            synchronized (registryLock) {
                Durable d = durables.computeIfAbsent(s.peerName, Durable::new);
                PeerSession old = d.session;
                synchronized (d.lock) {
                    if (old != null && old != s) {
                        old.state = PeerSession.State.CLOSED;
                        old.queue.clear();
                        d.cursors.values().forEach(PartitionCursor::rewindToAck);
                        replaced = old;
                    }
                    d.session = s;
                    d.disconnectedAtMs = -1;
                    d.subscription = subscription;
                    d.topics = sub.topics();
                    d.topicPatterns = sub.topicPatterns();
                    d.principal = s.principal;
                    s.lock = d.lock;
                    s.cursors = d.cursors;
                    s.peerCursors = d.peerCursors;
                    for (Cursor c : sub.resumeFrom()) {
                        TopicPartition tp = new TopicPartition(c.topic(), c.partition());
                        d.peerCursors.put(tp, c.offset());
                        PartitionCursor pc = d.cursors.get(tp);
                        if (pc != null && pc.acked != c.offset()) {
                            // the peer's own word wins: it may have lost what it had, or processed more than it acked
                            d.cursors.put(tp, PartitionCursor.resumeAfter(c.offset()));
                        }
                    }
                    d.cursors.keySet().removeIf(tp -> !subscription.matchesTopic(tp.topic()));
                }
            }
        }
        if (replaced != null) {
            log.info("{} connected again from {}; closing its previous connection", s, s.link.remote());
            sessions.remove(replaced);
            metrics.disconnected("replaced");
            replaced.link.close(new ErrorFrame(ErrorCode.REPLACED, "peer '" + s.peerName
                    + "' connected again from another connection; this one is replaced"));
        }
        boolean needsReplay;
        synchronized (s.lock) {
            s.state = PeerSession.State.ACTIVE;
            for (TopicPartition tp : assigned) {
                if (subscription.matchesTopic(tp.topic())) {
                    ensureCursor(s, tp);
                }
            }
            needsReplay = hasReplayCursor(s);
        }
        registerPeerMetrics(s);
        if (s.durable()) {
            durableListener.seen(s.peerName, sub.topics(), sub.topicPatterns(), true);
        }
        log.info("{} subscribed: topics={} patterns={} durable={} principal={}", s, subscription.topics(),
                subscription.topicPatterns(), s.durable(), s.principal);
        if (needsReplay) {
            replay.schedule(s);
        }
        return new Subscribed(matchedTopics(subscription), endpoints.get());
    }

    private List<String> matchedTopics(Subscription subscription) {
        Set<String> topics = new TreeSet<>(subscription.topics());
        for (TopicPartition tp : assigned) {
            if (subscription.matchesTopic(tp.topic())) {
                topics.add(tp.topic());
            }
        }
        for (String t : settings.scope().topics()) {
            if (subscription.matchesTopic(t)) {
                topics.add(t);
            }
        }
        return List.copyOf(topics);
    }

    private void registerPeerMetrics(PeerSession s) {
        Map<String, LongSupplier> g = new LinkedHashMap<>();
        g.put("queue-records", s.queue::size);
        g.put("queue-bytes", s.queue::bytes);
        g.put("queue-bytes-peak", s.queue::peakBytes);
        g.put("rtt-ms", s::rttMillis);
        g.put("records-delivered", s.recordsDelivered::sum);
        g.put("bytes-delivered", s.bytesDelivered::sum);
        g.put("acks", s.acks::sum);
        g.put("records-dropped", s.dropped::sum);
        metrics.addPeer(s.label(), g);
    }

    boolean aclAllows(String principal, String topic) {
        if (settings.acl().isEmpty()) {
            return true;
        }
        for (String who : List.of(principal, "*")) {
            List<Pattern> ps = settings.acl().get(who);
            if (ps != null) {
                for (Pattern p : ps) {
                    if (p.matcher(topic).matches()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Under s.lock: makes sure the session has a cursor for an assigned partition it subscribes to. */
    private void ensureCursor(PeerSession s, TopicPartition tp) {
        PartitionCursor c = s.cursors.get(tp);
        if (c != null) {
            return;
        }
        Long live = livePositions.get(tp);
        Long peerOffset = s.durable() ? s.peerCursors.get(tp) : null;
        if (peerOffset != null) {
            c = PartitionCursor.resumeAfter(peerOffset);
            if (live != null && c.next >= live) {
                c.mode = PartitionCursor.Mode.LIVE;
            }
        } else {
            c = PartitionCursor.liveFrom(live);
        }
        s.cursors.put(tp, c);
    }

    private static boolean hasReplayCursor(PeerSession s) {
        for (PartitionCursor c : s.cursors.values()) {
            if (c.mode == PartitionCursor.Mode.REPLAY) {
                return true;
            }
        }
        return false;
    }

    /** Cumulative acks from the peer. */
    public void ack(PeerSession s, PeerAck ack) {
        if (s.state != PeerSession.State.ACTIVE) {
            throw new ProtocolException(ErrorCode.UNEXPECTED_FRAME, "peer_ack before the subscription is accepted");
        }
        metrics.ack();
        s.acks.increment();
        if (!s.durable()) {
            return; // live-only peers' acks change nothing
        }
        synchronized (s.lock) {
            for (Cursor c : ack.cursors()) {
                TopicPartition tp = new TopicPartition(c.topic(), c.partition());
                s.peerCursors.merge(tp, c.offset(), Math::max);
                PartitionCursor pc = s.cursors.get(tp);
                if (pc == null || c.offset() <= pc.acked) {
                    continue;
                }
                pc.acked = c.offset();
                pc.lastEnqueued = Math.max(pc.lastEnqueued, pc.acked);
                if (pc.next <= pc.acked) {
                    pc.next = pc.acked + 1;
                }
            }
        }
    }

    /** The connection is gone (for whatever reason, already counted by the caller). */
    public void closed(PeerSession s, String reason) {
        PeerSession.State before = s.state;
        s.state = PeerSession.State.CLOSED;
        if (!sessions.remove(s)) {
            return;
        }
        metrics.disconnected(reason);
        metrics.removePeer(s.label());
        int discarded = s.queue.clear();
        if (s.durable() && before == PeerSession.State.ACTIVE) {
            synchronized (registryLock) {
                Durable d = durables.get(s.peerName);
                if (d != null && d.session == s) {
                    synchronized (d.lock) {
                        d.cursors.values().forEach(PartitionCursor::rewindToAck);
                        d.session = null;
                        d.disconnectedAtMs = clock.millis();
                    }
                    durableListener.seen(d.name, d.topics, d.topicPatterns, false);
                }
            }
        }
        log.info("{} disconnected ({}), {} queued records discarded{}", s, reason, discarded,
                s.durable() ? "; it resumes from its last ack" : "");
    }

    // ------------------------------------------------------------------ partitions

    public void assign(Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
        for (Durable d : durables.values()) {
            synchronized (d.lock) {
                if (d.session == null && d.subscription != null) {
                    restoreCursors(d, partitions);
                }
            }
        }
        for (PeerSession s : sessions) {
            boolean needsReplay;
            synchronized (s.lock) {
                if (s.state != PeerSession.State.ACTIVE) {
                    continue;
                }
                for (TopicPartition tp : partitions) {
                    if (s.subscription.matchesTopic(tp.topic())) {
                        ensureCursor(s, tp);
                    }
                }
                needsReplay = hasReplayCursor(s);
            }
            if (needsReplay) {
                replay.schedule(s);
            }
        }
    }

    public void revoke(Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        for (TopicPartition tp : partitions) {
            livePositions.remove(tp);
            lastCommitted.remove(tp);
            startPositions.remove(tp);
        }
        for (Durable d : durables.values()) {
            synchronized (d.lock) {
                d.cursors.keySet().removeAll(partitions);
            }
        }
        for (PeerSession s : sessions) {
            synchronized (s.lock) {
                s.cursors.keySet().removeAll(partitions);
            }
        }
    }

    public Set<TopicPartition> assigned() {
        return Set.copyOf(assigned);
    }

    // ------------------------------------------------------------------ live routing

    /** Whether any peer filters by device or metric (else the task need not parse values). */
    public boolean needsSubjects() {
        for (PeerSession s : sessions) {
            Subscription sub = s.subscription;
            if (sub != null && sub.hasSubjectFilter()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Routes a batch from {@code put()} (offset order per partition) into the matching peers' queues.
     *
     * @param positions the next offset per partition after this batch, counting records that were
     *                  not routable (sent to the errant record reporter) too
     */
    public void route(List<Routed> batch, Map<TopicPartition, Long> positions) {
        for (Routed r : batch) {
            startPositions.putIfAbsent(r.tp(), r.record().offset());
        }
        positions.forEach((tp, pos) -> {
            startPositions.putIfAbsent(tp, pos);
            holdForAbsentDurables(tp);
        });
        // raise the live positions before routing: see the class comment
        livePositions.putAll(positions);
        if (batch.isEmpty()) {
            return;
        }
        for (PeerSession s : sessions) {
            if (s.state != PeerSession.State.ACTIVE) {
                continue;
            }
            routeTo(s, batch);
        }
    }

    private void routeTo(PeerSession s, List<Routed> batch) {
        Subscription sub = s.subscription;
        boolean enqueued = false;
        boolean needsReplay = false;
        boolean disconnect = false;
        synchronized (s.lock) {
            if (s.state != PeerSession.State.ACTIVE) {
                return;
            }
            String lastTopic = null;
            boolean topicMatches = false;
            for (Routed r : batch) {
                String topic = r.tp().topic();
                if (!topic.equals(lastTopic)) {
                    lastTopic = topic;
                    topicMatches = sub.matchesTopic(topic) && aclAllows(s.principal, topic);
                }
                if (!topicMatches) {
                    continue;
                }
                PartitionCursor c = s.cursors.get(r.tp());
                if (c == null) {
                    ensureCursor(s, r.tp());
                    c = s.cursors.get(r.tp());
                }
                long offset = r.record().offset();
                if (c.fresh) {
                    c.fresh = false;
                    c.next = offset;
                    c.acked = Math.max(c.acked, offset - 1);
                    c.lastEnqueued = c.acked;
                }
                if (c.mode != PartitionCursor.Mode.LIVE || offset < c.next) {
                    continue;
                }
                if (r.hidden() || !sub.matchesSubject(r.device(), r.metric())) {
                    c.next = offset + 1;
                    continue;
                }
                Offer o = offer(s, c, r);
                if (o == Offer.ENQUEUED) {
                    enqueued = true;
                } else if (o == Offer.REPLAY) {
                    needsReplay = true;
                } else if (o == Offer.DISCONNECT) {
                    disconnect = true;
                    break;
                }
            }
        }
        if (disconnect) {
            disconnectSlow(s);
            return;
        }
        if (enqueued) {
            s.link.requestDrain();
        }
        if (needsReplay) {
            replay.schedule(s);
        }
    }

    private enum Offer { ENQUEUED, SKIPPED, REPLAY, DISCONNECT }

    /** Under s.lock: puts one record in the session's queue, applying the slow-peer policy. */
    private Offer offer(PeerSession s, PartitionCursor c, Routed r) {
        long offset = r.record().offset();
        if (s.policy == SlowPeerPolicy.DISCONNECT && s.queue.slow()) {
            return Offer.DISCONNECT;
        }
        if (s.queue.offer(r.record())) {
            c.next = offset + 1;
            c.lastEnqueued = offset;
            return Offer.ENQUEUED;
        }
        switch (s.policy) {
            case DISCONNECT -> {
                return Offer.DISCONNECT;
            }
            case DROP_OLDEST -> {
                if (!s.durable()) {
                    int dropped = s.queue.dropOldestFor(r.size());
                    if (dropped > 0) {
                        s.dropped.add(dropped);
                        metrics.dropped("drop_oldest", dropped);
                    }
                    if (s.queue.offer(r.record())) {
                        c.next = offset + 1;
                        c.lastEnqueued = offset;
                        return Offer.ENQUEUED;
                    }
                    s.dropped.increment();
                    metrics.dropped("too_large", 1);
                    c.next = offset + 1;
                    return Offer.SKIPPED;
                }
            }
            default -> {
            }
        }
        // pause (and durable drop_oldest): the queue is full, Kafka keeps the rest; read it back later
        c.mode = PartitionCursor.Mode.REPLAY;
        return Offer.REPLAY;
    }

    private void disconnectSlow(PeerSession s) {
        log.warn("{} is too slow (queue {} records, {} bytes): disconnecting", s, s.queue.size(), s.queue.bytes());
        s.link.close(new ErrorFrame(ErrorCode.SLOW_CONSUMER, "the peer reads more slowly than records arrive: its queue "
                + "passed " + s.queue.size() + " records / " + s.queue.bytes() + " bytes"));
        closed(s, "slow_consumer");
    }

    // ------------------------------------------------------------------ draining

    /** Network thread: the next Records batch for the session, or empty. */
    public List<DeliveredRecord> pollBatch(PeerSession s) {
        if (s.state != PeerSession.State.ACTIVE) {
            return List.of();
        }
        List<DeliveredRecord> batch = s.queue.poll(settings.batchMaxRecords(), settings.frameMaxBytes() - 64L);
        if (!batch.isEmpty()) {
            long bytes = 0;
            for (DeliveredRecord r : batch) {
                bytes += r.key().length + r.value().length;
            }
            s.recordsDelivered.add(batch.size());
            s.bytesDelivered.add(bytes);
            metrics.delivered(batch.size(), bytes);
            if (s.replayScheduled.get() && !s.queue.slow()) {
                replay.wake(s);
            }
        }
        return batch;
    }

    /**
     * Network thread: the next frames for the session: runs of records as {@link Records}, each
     * chunk of a files topic as its own {@link FileDelivery} (from the same queue, so acks and
     * cursors work the same). A files-topic record that is not a chunk goes as a record.
     */
    public List<Frame> pollFrames(PeerSession s) {
        List<DeliveredRecord> batch = pollBatch(s);
        if (batch.isEmpty()) {
            return List.of();
        }
        Set<String> files = fileTopics;
        if (files.isEmpty()) {
            return List.of(new Records(batch));
        }
        List<Frame> out = new ArrayList<>(2);
        List<DeliveredRecord> run = new ArrayList<>();
        for (DeliveredRecord r : batch) {
            if (files.contains(r.topic())) {
                FileDelivery d = delivery(r);
                if (d != null) {
                    if (!run.isEmpty()) {
                        out.add(new Records(run));
                        run = new ArrayList<>();
                    }
                    out.add(d);
                    metrics.fileChunkDelivered(d.data().length);
                    continue;
                }
            }
            run.add(r);
        }
        if (!run.isEmpty()) {
            out.add(new Records(run));
        }
        return out;
    }

    private static FileDelivery delivery(DeliveredRecord r) {
        try {
            return FileRecordJson.parse(r.value()) instanceof FileRecord.Chunk c ? c.toDelivery(r.topic(), r.partition(), r.offset())
                    : null;
        } catch (ProtocolException | IllegalArgumentException e) {
            log.debug("record {}-{}@{} of a files topic is not a chunk a peer can take ({}); sent as a record", r.topic(),
                    r.partition(), r.offset(), e.getMessage());
            return null;
        }
    }

    // ------------------------------------------------------------------ replay

    /** Replay thread: the partitions the session replays and the next offset of each; empty when done. */
    public Map<TopicPartition, Long> replayPositions(PeerSession s) {
        Map<TopicPartition, Long> out = new HashMap<>();
        synchronized (s.lock) {
            if (s.state != PeerSession.State.ACTIVE) {
                return out;
            }
            for (Map.Entry<TopicPartition, PartitionCursor> e : s.cursors.entrySet()) {
                if (e.getValue().mode == PartitionCursor.Mode.REPLAY) {
                    out.put(e.getKey(), e.getValue().next);
                }
            }
        }
        return out;
    }

    /** Whether the session's queue has room for replayed records. */
    public boolean replayMayRead(PeerSession s) {
        return s.state == PeerSession.State.ACTIVE && !s.queue.slow();
    }

    /**
     * Replay thread: records re-read from Kafka for one partition, in offset order.
     *
     * @param positionAfter the replay consumer's position after these records
     * @param atEnd         whether that position was the end of the partition's log at the last fetch
     */
    public ReplayOutcome offerReplayed(PeerSession s, TopicPartition tp, List<Routed> records, long positionAfter,
            boolean atEnd) {
        ReplayOutcome outcome = ReplayOutcome.CONTINUE;
        int enqueued = 0;
        synchronized (s.lock) {
            if (s.state != PeerSession.State.ACTIVE) {
                return ReplayOutcome.GONE;
            }
            PartitionCursor c = s.cursors.get(tp);
            if (c == null || c.mode != PartitionCursor.Mode.REPLAY) {
                return ReplayOutcome.CAUGHT_UP;
            }
            Subscription sub = s.subscription;
            boolean topicOk = sub.matchesTopic(tp.topic()) && aclAllows(s.principal, tp.topic());
            for (Routed r : records) {
                long offset = r.record().offset();
                if (offset < c.next) {
                    continue;
                }
                if (!topicOk || r.hidden() || !sub.matchesSubject(r.device(), r.metric())) {
                    c.next = offset + 1;
                    continue;
                }
                if (!s.queue.offer(r.record())) {
                    outcome = ReplayOutcome.QUEUE_FULL;
                    break;
                }
                enqueued++;
                c.next = offset + 1;
                c.lastEnqueued = offset;
            }
            if (outcome == ReplayOutcome.CONTINUE) {
                if (atEnd && c.next < positionAfter) {
                    c.next = positionAfter; // offsets without records (transaction markers, compaction)
                }
                // Hand over to live delivery only at the live position itself: the end of the log as
                // the replay consumer last saw it may be behind what put() has already passed by.
                Long live = livePositions.get(tp);
                if (live != null && c.next >= live) {
                    c.mode = PartitionCursor.Mode.LIVE;
                    outcome = ReplayOutcome.CAUGHT_UP;
                }
            }
        }
        if (enqueued > 0) {
            metrics.replayed(enqueued);
            s.link.requestDrain();
        }
        return outcome;
    }

    // ------------------------------------------------------------------ commits and pauses

    /**
     * Task thread: the offsets safe to commit, the lower of Connect's {@code current} and what
     * every durable subscriber of each partition still needs. Never moves a commit backwards.
     */
    public Map<TopicPartition, Long> commitOffsets(Map<TopicPartition, Long> current) {
        expireDurables();
        // Connect's current offsets are its consumer positions, also for partitions put() has not
        // brought anything from yet: that is where live delivery will go on
        current.forEach((tp, pos) -> {
            if (assigned.contains(tp)) {
                // before any record of tp was put, Connect's position is where this task started on it
                startPositions.putIfAbsent(tp, pos);
                holdForAbsentDurables(tp);
                livePositions.merge(tp, pos, Math::max);
            }
        });
        Map<TopicPartition, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : current.entrySet()) {
            TopicPartition tp = e.getKey();
            long floor = e.getValue();
            for (Durable d : durables.values()) {
                Subscription sub = d.subscription;
                if (sub == null || !sub.matchesTopic(tp.topic())) {
                    continue;
                }
                synchronized (d.lock) {
                    PartitionCursor c = d.cursors.get(tp);
                    if (c != null) {
                        long f = c.floor();
                        if (f >= 0 && f < floor) {
                            floor = f;
                        }
                    }
                }
            }
            Long previous = lastCommitted.get(tp);
            if (previous != null && floor < previous) {
                floor = previous;
            }
            lastCommitted.put(tp, floor);
            out.put(tp, floor);
        }
        return out;
    }

    private void expireDurables() {
        long now = clock.millis();
        long expiry = settings.durableExpiry().toMillis();
        synchronized (registryLock) {
            Iterator<Durable> it = durables.values().iterator();
            while (it.hasNext()) {
                Durable d = it.next();
                if (d.session == null && d.disconnectedAtMs >= 0 && now - d.disconnectedAtMs >= expiry) {
                    log.info("durable peer {} has been away for {} ms: forgetting its cursors", d.name, now - d.disconnectedAtMs);
                    it.remove();
                }
            }
        }
    }

    /**
     * Task thread: the assigned partitions that should be paused now, those feeding a peer
     * whose queue is above its high mark (and not yet back to the low mark) under the pause policy.
     */
    public Set<TopicPartition> partitionsToPause() {
        Set<TopicPartition> out = new HashSet<>();
        for (PeerSession s : sessions) {
            if (s.state != PeerSession.State.ACTIVE || !s.queue.slow()) {
                continue;
            }
            boolean pauses = s.policy == SlowPeerPolicy.PAUSE || (s.policy == SlowPeerPolicy.DROP_OLDEST && s.durable());
            if (!pauses) {
                continue;
            }
            for (TopicPartition tp : assigned) {
                if (s.subscription.matchesTopic(tp.topic()) && aclAllows(s.principal, tp.topic())) {
                    out.add(tp);
                }
            }
        }
        return out;
    }

    /** Tells every subscribed peer the current endpoints (another task appeared or went). */
    public void broadcastSubscribed() {
        List<String> now = endpoints.get();
        for (PeerSession s : sessions) {
            if (s.state == PeerSession.State.ACTIVE) {
                s.link.send(new Subscribed(matchedTopics(s.subscription), now));
            }
        }
    }

    // ------------------------------------------------------------------ state

    public List<PeerSession> sessions() {
        return List.copyOf(sessions);
    }

    /** Closes every session with SHUTTING_DOWN. */
    public void shutdown() {
        for (PeerSession s : new ArrayList<>(sessions)) {
            s.link.close(new ErrorFrame(ErrorCode.SHUTTING_DOWN, "the sink task is stopping; reconnect to resume"));
            closed(s, "shutting_down");
        }
    }

    /** For tests and logs: a session's cursor of a partition, as text. */
    String describeCursor(PeerSession s, TopicPartition tp) {
        synchronized (s.lock) {
            PartitionCursor c = s.cursors.get(tp);
            return c == null ? "none" : c.toString();
        }
    }
}
