package io.sluice.sink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.frame.Subscribe;
import io.sluice.protocol.frame.Subscribed;
import io.sluice.sink.config.SlowPeerPolicy;
import io.sluice.sink.delivery.Routing;
import io.sluice.sink.metrics.SinkMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PeerHubTest {
    static final String T = "aggregates";
    static final TopicPartition P0 = new TopicPartition(T, 0);
    static final TopicPartition P1 = new TopicPartition(T, 1);

    static final class FakeLink implements PeerLink {
        final List<Frame> sent = new ArrayList<>();
        ErrorFrame closedWith;
        boolean closed;

        @Override
        public void send(Frame frame) {
            sent.add(frame);
        }

        @Override
        public void requestDrain() {
        }

        @Override
        public void close(ErrorFrame error) {
            closed = true;
            closedWith = error;
        }

        @Override
        public String remote() {
            return "fake";
        }
    }

    static final class MutableClock extends Clock {
        long millis = 1_000_000;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    final MutableClock clock = new MutableClock();
    final SinkMetrics metrics = new SinkMetrics(null);

    PeerHub hub(int queueRecords, SlowPeerPolicy policy) {
        return hub(queueRecords, policy, Map.of(), Map.of());
    }

    PeerHub hub(int queueRecords, SlowPeerPolicy policy, Map<String, String> tokens, Map<String, List<Pattern>> acl) {
        return new PeerHub(new PeerHub.Settings(queueRecords, 1L << 30, 0.8, 0.4, policy, 100, 1 << 20, Duration.ofMinutes(5),
                100, tokens, acl, new TopicScope(List.of(T, "other"), Optional.empty())), clock, metrics, () -> List.of("h:1"));
    }

    static PeerSession connect(PeerHub hub, FakeLink link, String name, Subscribe sub) {
        PeerSession s = hub.open(link);
        hub.hello(s, new PeerHello(ProtocolVersion.CURRENT, name, ""), List.of());
        Subscribed ok = hub.subscribe(s, sub);
        assertThat(ok.endpoints()).containsExactly("h:1");
        return s;
    }

    static Subscribe sub(List<String> devices, List<String> metrics, List<Cursor> resume) {
        return new Subscribe(List.of(T), List.of(), devices, metrics, resume);
    }

    static Routed rec(TopicPartition tp, long offset, String device, String metric) {
        byte[] v = ("{\"device\":\"" + device + "\",\"metric\":\"" + metric + "\",\"id\":" + offset + "}").getBytes(StandardCharsets.UTF_8);
        return Routing.routed(tp, offset, 0, device.getBytes(StandardCharsets.UTF_8), v, true);
    }

    static void route(PeerHub hub, List<Routed> batch) {
        Map<TopicPartition, Long> pos = new HashMap<>();
        batch.forEach(r -> pos.put(r.tp(), r.record().offset() + 1));
        hub.route(batch, pos);
    }

    static List<Long> drain(PeerHub hub, PeerSession s) {
        List<Long> out = new ArrayList<>();
        for (List<DeliveredRecord> b = hub.pollBatch(s); !b.isEmpty(); b = hub.pollBatch(s)) {
            b.forEach(r -> out.add(r.offset()));
        }
        return out;
    }

    @Test
    void eachPeerGetsExactlyTheRecordsItsFiltersMatch() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        PeerSession all = connect(hub, new FakeLink(), "", sub(List.of(), List.of(), List.of()));
        PeerSession pumps = connect(hub, new FakeLink(), "", sub(List.of("pump-*"), List.of(), List.of()));
        PeerSession temps = connect(hub, new FakeLink(), "", sub(List.of(), List.of("temp"), List.of()));
        List<Routed> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            batch.add(rec(P0, i, i % 2 == 0 ? "pump-" + i : "valve-" + i, i % 3 == 0 ? "temp" : "pressure"));
        }
        route(hub, batch);
        assertThat(drain(hub, all)).hasSize(60);
        assertThat(drain(hub, pumps)).hasSize(30).allMatch(o -> o % 2 == 0);
        assertThat(drain(hub, temps)).hasSize(20).allMatch(o -> o % 3 == 0);
        assertThat(metrics.recordsDelivered()).isEqualTo(110);
    }

    @Test
    void commitsOnlyWhatEveryDurablePeerAcknowledged() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0, P1));
        PeerSession a = connect(hub, new FakeLink(), "a", sub(List.of(), List.of(), List.of()));
        PeerSession b = connect(hub, new FakeLink(), "b", sub(List.of(), List.of(), List.of()));
        connect(hub, new FakeLink(), "", sub(List.of(), List.of(), List.of())); // live-only: never holds commits
        List<Routed> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(rec(P0, i, "d", "m"));
        }
        route(hub, batch);
        drain(hub, a);
        drain(hub, b);
        assertThat(hub.commitOffsets(Map.of(P0, 10L, P1, 0L))).containsEntry(P0, 0L).containsEntry(P1, 0L);
        hub.ack(a, new PeerAck(List.of(new Cursor(T, 0, 9))));
        hub.ack(b, new PeerAck(List.of(new Cursor(T, 0, 4))));
        assertThat(hub.commitOffsets(Map.of(P0, 10L))).containsEntry(P0, 5L);
        hub.ack(b, new PeerAck(List.of(new Cursor(T, 0, 9))));
        assertThat(hub.commitOffsets(Map.of(P0, 10L))).containsEntry(P0, 10L);
    }

    @Test
    void aDurablePeerThatComesBackResumesAfterItsLastAckWithNoGap() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        FakeLink first = new FakeLink();
        PeerSession s = connect(hub, first, "d", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 20));
        assertThat(drain(hub, s)).hasSize(20);
        hub.ack(s, new PeerAck(List.of(new Cursor(T, 0, 11))));
        hub.closed(s, "closed_by_peer");
        route(hub, range(P0, 20, 30)); // while it is away
        assertThat(hub.commitOffsets(Map.of(P0, 30L))).containsEntry(P0, 12L);

        PeerSession back = connect(hub, new FakeLink(), "d", sub(List.of(), List.of(), List.of()));
        assertThat(hub.replayPositions(back)).containsEntry(P0, 12L);
        assertThat(hub.offerReplayed(back, P0, range(P0, 12, 30), 30, true)).isEqualTo(PeerHub.ReplayOutcome.CAUGHT_UP);
        route(hub, range(P0, 30, 35));
        assertThat(drain(hub, back)).containsExactlyElementsOf(seq(12, 35));
    }

    @Test
    void resumeCursorsFromThePeerWinOverTheTasksMemory() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        route(hub, range(P0, 0, 50));
        PeerSession s = connect(hub, new FakeLink(), "d", sub(List.of(), List.of(), List.of(new Cursor(T, 0, 19))));
        assertThat(hub.replayPositions(s)).containsEntry(P0, 20L);
        assertThat(hub.commitOffsets(Map.of(P0, 50L))).containsEntry(P0, 20L);
    }

    @Test
    void aFullQueuePausesTheFeedingPartitionsAndTheRestComesFromReplayInOrder() {
        PeerHub hub = hub(10, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0, P1));
        PeerSession s = connect(hub, new FakeLink(), "slow", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 25));
        assertThat(hub.partitionsToPause()).containsExactlyInAnyOrder(P0, P1);
        assertThat(hub.replayPositions(s)).containsEntry(P0, 10L);
        List<Long> got = new ArrayList<>(drain(hub, s));
        assertThat(hub.partitionsToPause()).isEmpty();
        // the replay reader fills the queue again from Kafka, in bounded steps
        long next = 10;
        while (!hub.replayPositions(s).isEmpty()) {
            PeerHub.ReplayOutcome o = hub.offerReplayed(s, P0, range(P0, next, 25), 25, true);
            next = hub.replayPositions(s).getOrDefault(P0, 25L);
            got.addAll(drain(hub, s));
            assertThat(o).isIn(PeerHub.ReplayOutcome.QUEUE_FULL, PeerHub.ReplayOutcome.CAUGHT_UP);
        }
        route(hub, range(P0, 25, 30));
        got.addAll(drain(hub, s));
        assertThat(got).containsExactlyElementsOf(seq(0, 30));
        assertThat(s.queue().peakRecords()).isLessThanOrEqualTo(10);
    }

    @Test
    void replayHandsOverAtTheLivePositionNotAtAStaleEndOfLog() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        route(hub, range(P0, 0, 20)); // put() is at 20
        PeerSession s = connect(hub, new FakeLink(), "d", sub(List.of(), List.of(), List.of(new Cursor(T, 0, 4))));
        // the replay consumer's last fetch said the log ended at 10: it did not, put() passed 10..19
        assertThat(hub.offerReplayed(s, P0, range(P0, 5, 10), 10, true)).isEqualTo(PeerHub.ReplayOutcome.CONTINUE);
        assertThat(hub.replayPositions(s)).containsEntry(P0, 10L);
        assertThat(hub.offerReplayed(s, P0, range(P0, 10, 20), 20, true)).isEqualTo(PeerHub.ReplayOutcome.CAUGHT_UP);
        route(hub, range(P0, 20, 22));
        assertThat(drain(hub, s)).containsExactlyElementsOf(seq(5, 22));
    }

    @Test
    void theLivePositionIsKnownFromConnectsOffsetsBeforeAnyRecordArrives() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        PeerSession s = connect(hub, new FakeLink(), "d", sub(List.of(), List.of(), List.of(new Cursor(T, 0, 4))));
        assertThat(hub.offerReplayed(s, P0, range(P0, 5, 30), 30, true)).isEqualTo(PeerHub.ReplayOutcome.CONTINUE);
        hub.commitOffsets(Map.of(P0, 30L));
        assertThat(hub.offerReplayed(s, P0, List.of(), 30, true)).isEqualTo(PeerHub.ReplayOutcome.CAUGHT_UP);
        assertThat(hub.replayPositions(s)).isEmpty();
    }

    @Test
    void aDurablePeerRestoredFromTheStateTopicHoldsCommitsAndResumesAfterItsAck() {
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        List<String> seen = new ArrayList<>();
        hub.durableListener((name, topics, patterns, connected) -> seen.add(name + ":" + connected));
        assertThat(hub.restoreDurable("away", List.of(T), List.of(), Map.of(P0, 41L, P1, 7L), clock.millis())).isTrue();
        assertThat(hub.restoreDurable("away", List.of(T), List.of(), Map.of(), clock.millis())).isFalse();
        hub.assign(List.of(P0));
        assertThat(hub.commitOffsets(Map.of(P0, 100L))).containsEntry(P0, 42L);
        assertThat(hub.durableAcks()).containsEntry("away", Map.of(P0, 41L));
        route(hub, range(P0, 30, 100));
        PeerSession back = connect(hub, new FakeLink(), "away", sub(List.of(), List.of(), List.of())); // it kept nothing
        assertThat(hub.replayPositions(back)).containsEntry(P0, 42L);
        hub.assign(List.of(P1));
        assertThat(hub.replayPositions(back)).containsEntry(P1, 8L);
        hub.closed(back, "closed_by_peer");
        assertThat(seen).containsExactly("away:true", "away:false");
    }

    @Test
    void aRestoredDurablePeerWithoutAnAckInAPartitionHoldsItsCommitsFromWhereTheTaskStarted() {
        // the task restarted: a durable peer that had acknowledged nothing yet is known from the state topic only
        PeerHub hub = hub(1000, SlowPeerPolicy.PAUSE);
        assertThat(hub.restoreDurable("quiet", List.of(T), List.of(), Map.of(), clock.millis())).isTrue();
        hub.assign(List.of(P0, P1));
        // Connect resumes P0 at 20 (the last commit) and puts 20..59 while the peer is away; P1 has nothing yet
        route(hub, range(P0, 20, 60));
        assertThat(hub.commitOffsets(Map.of(P0, 60L, P1, 7L))).containsEntry(P0, 20L).containsEntry(P1, 7L);
        PeerSession back = connect(hub, new FakeLink(), "quiet", sub(List.of(), List.of(), List.of()));
        assertThat(hub.replayPositions(back)).containsEntry(P0, 20L).containsEntry(P1, 7L);
        assertThat(hub.offerReplayed(back, P0, range(P0, 20, 60), 60, true)).isEqualTo(PeerHub.ReplayOutcome.CAUGHT_UP);
        assertThat(drain(hub, back)).containsExactlyElementsOf(seq(20, 60));
    }

    @Test
    void dropOldestDropsAndCountsForLiveOnlyPeers() {
        PeerHub hub = hub(10, SlowPeerPolicy.DROP_OLDEST);
        hub.assign(List.of(P0));
        PeerSession s = connect(hub, new FakeLink(), "", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 25));
        assertThat(drain(hub, s)).containsExactlyElementsOf(seq(15, 25));
        assertThat(metrics.drops("drop_oldest")).isEqualTo(15);
        assertThat(hub.partitionsToPause()).isEmpty();
    }

    @Test
    void disconnectPolicyClosesASlowPeerWithSlowConsumer() {
        PeerHub hub = hub(10, SlowPeerPolicy.DISCONNECT);
        hub.assign(List.of(P0));
        FakeLink link = new FakeLink();
        PeerSession slow = connect(hub, link, "", sub(List.of(), List.of(), List.of()));
        PeerSession fine = connect(hub, new FakeLink(), "", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 7));
        drain(hub, fine);
        route(hub, range(P0, 7, 12));
        assertThat(link.closedWith.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
        assertThat(slow.active()).isFalse();
        assertThat(metrics.disconnects("slow_consumer")).isEqualTo(1);
        assertThat(drain(hub, fine)).containsExactly(7L, 8L, 9L, 10L, 11L);
    }

    @Test
    void refusesBadTokensDeniedTopicsAndUnexpectedOrder() {
        PeerHub hub = hub(10, SlowPeerPolicy.PAUSE, Map.of("s3cret", "alice", "other", "bob"),
                Map.of("alice", List.of(Pattern.compile(T)), "*", List.of(Pattern.compile("other"))));
        PeerSession s = hub.open(new FakeLink());
        assertThatThrownBy(() -> hub.hello(s, new PeerHello(ProtocolVersion.CURRENT, "x", "wrong"), List.of()))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED))
                .hasMessageNotContaining("wrong");
        PeerSession bob = hub.open(new FakeLink());
        hub.hello(bob, new PeerHello(ProtocolVersion.CURRENT, "", "other"), List.of());
        assertThatThrownBy(() -> hub.subscribe(bob, sub(List.of(), List.of(), List.of())))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIPTION_DENIED))
                .hasMessageContaining("bob");
        PeerSession alice = hub.open(new FakeLink());
        assertThatThrownBy(() -> hub.subscribe(alice, sub(List.of(), List.of(), List.of())))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNEXPECTED_FRAME));
        hub.hello(alice, new PeerHello(ProtocolVersion.CURRENT, "", "s3cret"), List.of());
        assertThatThrownBy(() -> hub.subscribe(alice, new Subscribe(List.of("secret-topic"), List.of(), List.of(), List.of(), List.of())))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SUBSCRIPTION_DENIED))
                .hasMessageContaining("not delivered by this connector");
        assertThat(hub.subscribe(alice, sub(List.of(), List.of(), List.of())).topics()).containsExactly(T);
        PeerSession old = hub.open(new FakeLink());
        assertThatThrownBy(() -> hub.hello(old, new PeerHello(99, "", "s3cret"), List.of()))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION));
    }

    @Test
    void aSecondConnectionOfTheSameDurablePeerReplacesTheFirst() {
        PeerHub hub = hub(100, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        FakeLink firstLink = new FakeLink();
        PeerSession first = connect(hub, firstLink, "dup", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 5));
        hub.ack(first, new PeerAck(List.of(new Cursor(T, 0, 2))));
        PeerSession second = connect(hub, new FakeLink(), "dup", sub(List.of(), List.of(), List.of()));
        assertThat(firstLink.closedWith.code()).isEqualTo(ErrorCode.REPLACED);
        assertThat(first.active()).isFalse();
        assertThat(hub.replayPositions(second)).containsEntry(P0, 3L);
        hub.closed(first, "closed_by_peer"); // the old channel closing later changes nothing
        assertThat(second.active()).isTrue();
    }

    @Test
    void disconnectedDurablePeersStopHoldingCommitsAfterExpiry() {
        PeerHub hub = hub(100, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        PeerSession s = connect(hub, new FakeLink(), "gone", sub(List.of(), List.of(), List.of()));
        route(hub, range(P0, 0, 5));
        hub.closed(s, "closed_by_peer");
        assertThat(hub.commitOffsets(Map.of(P0, 5L))).containsEntry(P0, 0L);
        clock.millis += Duration.ofMinutes(6).toMillis();
        assertThat(hub.commitOffsets(Map.of(P0, 5L))).containsEntry(P0, 5L);
    }

    /** Live routing and replay reads interleaved at random: the peer still gets every offset once, in order. */
    @Property(tries = 100)
    void liveAndReplayHandOverWithoutGapsOrDuplicates(@ForAll long seed, @ForAll @IntRange(min = 3, max = 40) int queue) {
        Random rnd = new Random(seed);
        PeerHub hub = hub(queue, SlowPeerPolicy.PAUSE);
        hub.assign(List.of(P0));
        long total = 300;
        long log = 40; // records already in Kafka when the peer connects
        long live = 20; // what put() has brought so far
        route(hub, range(P0, 0, live));
        PeerSession s = connect(hub, new FakeLink(), "p", sub(List.of(), List.of(), List.of(new Cursor(T, 0, 4))));
        List<Long> got = new ArrayList<>();
        long replayPos = -1;
        int guard = 0;
        while ((got.isEmpty() || got.get(got.size() - 1) < total - 1) && guard++ < 100_000) {
            switch (rnd.nextInt(3)) {
                case 0 -> { // Kafka grows, put() delivers a batch (if not paused)
                    if (log < total) {
                        log = Math.min(total, log + 1 + rnd.nextInt(10));
                    }
                    if (live < log && hub.partitionsToPause().isEmpty()) {
                        long to = Math.min(log, live + 1 + rnd.nextInt(15));
                        route(hub, range(P0, live, to));
                        live = to;
                    }
                }
                case 1 -> { // the replay reader reads a batch
                    Long next = hub.replayPositions(s).get(P0);
                    if (next != null && hub.replayMayRead(s)) {
                        long from = replayPos == next ? replayPos : next;
                        long to = Math.min(log, from + 1 + rnd.nextInt(12));
                        // the replay consumer's idea of the log end may be stale: claim it at random
                        hub.offerReplayed(s, P0, range(P0, from, to), to, to == log || rnd.nextInt(4) == 0);
                        replayPos = to;
                    }
                }
                default -> { // the network drains a batch
                    List<DeliveredRecord> b = hub.pollBatch(s);
                    b.forEach(r -> got.add(r.offset()));
                    if (!b.isEmpty() && rnd.nextBoolean()) {
                        hub.ack(s, new PeerAck(List.of(new Cursor(T, 0, got.get(got.size() - 1)))));
                    }
                }
            }
        }
        assertThat(got).containsExactlyElementsOf(seq(5, total));
    }

    static List<Routed> range(TopicPartition tp, long from, long to) {
        List<Routed> out = new ArrayList<>();
        for (long o = from; o < to; o++) {
            out.add(rec(tp, o, "d-" + (o % 5), "m"));
        }
        return out;
    }

    static List<Long> seq(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long o = from; o < to; o++) {
            out.add(o);
        }
        return out;
    }

    @Test
    void fileChunksGoAsFileDeliveriesAndMarkersAreHiddenButPassedOver() {
        PeerHub hub = hub(100, SlowPeerPolicy.PAUSE);
        hub.fileTopics(java.util.Set.of("other"));
        TopicPartition files = new TopicPartition("other", 0);
        hub.assign(List.of(P0, files));
        FakeLink link = new FakeLink();
        PeerSession s = connect(hub, link, "filer", new Subscribe(List.of(T, "other"), List.of(), List.of(), List.of(), List.of()));
        byte[] sha = new byte[32];
        byte[] chunk = io.sluice.protocol.file.FileRecordJson.write(new io.sluice.protocol.file.FileRecord.Chunk("cam", "f", "a.jpg",
                3, sha, 3, 0, 99, new byte[] {1, 2, 3}));
        byte[] marker = io.sluice.protocol.file.FileRecordJson.write(new io.sluice.protocol.file.FileRecord.Marker("cam", "f",
                "a.jpg", 3, sha, 3, 1, true));
        java.util.Set<String> ft = hub.fileTopics();
        List<Routed> batch = List.of(
                rec(P0, 0, "d-1", "temp"),
                Routing.routed(files, 0, 0, "f".getBytes(StandardCharsets.UTF_8), chunk, true, ft),
                Routing.routed(files, 1, 0, "f".getBytes(StandardCharsets.UTF_8), marker, true, ft),
                Routing.routed(files, 2, 0, "g".getBytes(StandardCharsets.UTF_8), "not a file".getBytes(StandardCharsets.UTF_8), true,
                        ft),
                rec(P0, 1, "d-1", "temp"));
        assertThat(batch.get(2).hidden()).isTrue();
        assertThat(batch.get(1).hidden()).isFalse();
        route(hub, batch);
        List<Frame> frames = hub.pollFrames(s);
        assertThat(frames).hasSize(3);
        assertThat(frames.get(0)).isInstanceOfSatisfying(io.sluice.protocol.frame.Records.class,
                r -> assertThat(r.records()).extracting(DeliveredRecord::offset).containsExactly(0L));
        assertThat(frames.get(1)).isEqualTo(new io.sluice.protocol.frame.FileDelivery("other", 0, 0, "cam", "f", "a.jpg", 3, sha, 3,
                0, 99, new byte[] {1, 2, 3}));
        // what is not a chunk goes as a record; the marker is not sent at all
        assertThat(frames.get(2)).isInstanceOfSatisfying(io.sluice.protocol.frame.Records.class,
                r -> assertThat(r.records()).extracting(DeliveredRecord::topic, DeliveredRecord::offset).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("other", 2L), org.assertj.core.groups.Tuple.tuple(T, 1L)));
        assertThat(metrics.fileChunksDelivered()).isEqualTo(1);
        // acking the last offset releases the partition although the marker itself was never sent
        hub.ack(s, new PeerAck(List.of(new Cursor("other", 0, 2), new Cursor(T, 0, 1))));
        assertThat(hub.commitOffsets(Map.of(files, 3L, P0, 2L))).containsEntry(files, 3L).containsEntry(P0, 2L);
    }
}
