package io.sluice.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeerClientTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final FakeSink sink = new FakeSink();
    final List<PeerClient> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(PeerClient::closeNow);
        sink.close();
    }

    PeerClient start(PeerClientConfig.Builder b) {
        PeerClient c = PeerClient.start(b.endpoint(sink.address()).topics("t").ackInterval(Duration.ofMillis(20))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).build());
        clients.add(c);
        return c;
    }

    static List<Long> poll(PeerClient c, int n) throws InterruptedException {
        List<Long> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            DeliveredRecord r = c.poll(Duration.ofMillis(100));
            if (r != null) {
                out.add(r.offset());
            }
        }
        return out;
    }

    @Test
    void reconnectsResubscribesFromTheLastProcessedCursorAndDropsDuplicates() throws Exception {
        PeerClient c = start(PeerClientConfig.builder().peerName("durable").resumeFrom(List.of(new Cursor("t", 1, 41))));
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        assertThat(sink.hellos.get(0).peerName()).isEqualTo("durable");
        assertThat(sink.subscribes.get(0).resumeFrom()).containsExactly(new Cursor("t", 1, 41));
        sink.send("t", 0, 0, 10);
        assertThat(poll(c, 10)).containsExactlyElementsOf(range(0, 10));
        c.poll(Duration.ofMillis(1)); // the tenth counts as processed at the next poll
        await().atMost(WAIT).until(() -> sink.lastAck("t", 0) == 9);

        sink.kill();
        await().atMost(WAIT).until(() -> sink.subscribes.size() == 2 && sink.connected());
        assertThat(sink.subscribes.get(1).resumeFrom()).contains(new Cursor("t", 0, 9), new Cursor("t", 1, 41));
        sink.send("t", 0, 5, 15); // at-least-once: some again
        sink.send("t", 1, 40, 43);
        assertThat(poll(c, 6)).containsExactly(10L, 11L, 12L, 13L, 14L, 42L);
        assertThat(c.stats().duplicates()).isEqualTo(7);
        assertThat(c.stats().connects()).isEqualTo(2);
    }

    @Test
    void aFullBufferStopsReadingAndAlwaysReadsAgainOnceDrained() throws Exception {
        // tiny buffer, small frames: reading stops and starts thousands of times while both sides race
        PeerClient c = start(PeerClientConfig.builder().buffer(2, 1 << 20));
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        java.util.concurrent.CompletableFuture<Void> sending = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int frame = 0; frame < 5_000; frame++) {
                sink.send("t", 0, frame * 3L, frame * 3L + 3);
            }
        });
        List<Long> got = poll(c, 15_000);
        sending.get();
        assertThat(got).hasSize(15_000).containsExactlyElementsOf(range(0, 15_000));
    }

    @Test
    void theTaskItIsConnectedToIsNotDialledAgainUnderItsPublishedName() throws Exception {
        sink.advertised = "127.0.0.2:" + sink.port(); // another name for the same task (not reachable here)
        List<String> retried = new CopyOnWriteArrayList<>();
        PeerClient c = start(PeerClientConfig.builder().peerName("once").listener(new PeerClientListener() {
            @Override
            public void reconnectScheduled(String endpoint, int attempt, Duration delay) {
                retried.add(endpoint);
            }
        }));
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        sink.send("t", 0, 0, 3);
        assertThat(poll(c, 3)).containsExactly(0L, 1L, 2L);
        assertThat(c.endpoints()).contains("127.0.0.2:" + sink.port());
        assertThat(c.connectionCount()).isEqualTo(1);
        assertThat(retried).isEmpty();
        assertThat(sink.hellos).hasSize(1);
    }

    @Test
    void aPermanentRefusalFailsTheClientInsteadOfRetrying() {
        sink.refuseWith = new ErrorFrame(ErrorCode.AUTH_FAILED, "the peer token is not valid");
        PeerClient c = start(PeerClientConfig.builder().token("nope"));
        Iterator<DeliveredRecord> it = c.iterator();
        assertThatThrownBy(it::hasNext).isInstanceOf(IllegalStateException.class).hasMessageContaining("AUTH_FAILED")
                .hasMessageContaining("not valid");
        assertThat(sink.hellos).hasSize(1);
    }

    @Test
    void aTransientRefusalIsRetried() {
        sink.refuseWith = new ErrorFrame(ErrorCode.SHUTTING_DOWN, "restarting");
        PeerClient c = start(PeerClientConfig.builder());
        await().atMost(WAIT).until(() -> sink.hellos.size() >= 3);
        sink.refuseWith = null;
        await().atMost(WAIT).until(() -> c.stats().connected() == 1);
        assertThat(c.hasFailed()).isFalse();
    }

    @Test
    void aConnectionReplacedByTheSinkIsDialledAgainNotGivenUp() throws Exception {
        // the sink replaces a durable peer's connection when the same name connects again (usually this
        // client's own reconnect racing the close of its old connection): REPLACED is not a refusal
        PeerClient c = start(PeerClientConfig.builder().peerName("durable"));
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        sink.send("t", 0, 0, 3);
        assertThat(poll(c, 3)).containsExactly(0L, 1L, 2L);

        sink.closeWith(new ErrorFrame(ErrorCode.REPLACED, "peer 'durable' connected again from another connection"));
        await().atMost(WAIT).until(() -> sink.subscribes.size() == 2 && sink.connected());
        sink.send("t", 0, 3, 6);
        assertThat(poll(c, 3)).containsExactly(3L, 4L, 5L);
        assertThat(c.hasFailed()).isFalse();
        assertThat(c.stats().connects()).isEqualTo(2);
    }

    @Test
    void aStoppedSinkFindsQueuedConnectionsEachAlreadyClosedByTheClient() throws Exception {
        // A stopped (SIGSTOP) worker does not accept, but the kernel completes the TCP handshakes: each
        // attempt sends its hello, times out and is closed by the client before the next. The worker, once
        // it runs again, reads the queued connections at once and sees the same durable name connect
        // several times within milliseconds (it keeps the newest, REPLACED goes to a closed socket).
        try (java.net.ServerSocket stopped = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<Integer> attempts = new CopyOnWriteArrayList<>();
            PeerClient c = PeerClient.start(PeerClientConfig.builder()
                    .endpoint(new java.net.InetSocketAddress("127.0.0.1", stopped.getLocalPort()))
                    .topics("t").peerName("durable").connectTimeout(Duration.ofMillis(200))
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(50)).listener(new PeerClientListener() {
                        @Override
                        public void reconnectScheduled(String endpoint, int attempt, Duration delay) {
                            attempts.add(attempt);
                        }
                    }).build());
            clients.add(c);
            await().atMost(WAIT).until(() -> attempts.size() >= 3);
            int queued = attempts.size(); // every failed attempt left one connection in the backlog
            for (int i = 0; i < queued; i++) {
                try (java.net.Socket s = stopped.accept()) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    byte[] buf = new byte[4096];
                    long bytes = 0;
                    for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                        bytes += n;
                    }
                    assertThat(bytes).as("hello and subscribe of queued connection %d", i).isPositive();
                }
            }
            assertThat(c.stats().connected()).isZero();
            assertThat(c.hasFailed()).isFalse();
        }
    }

    @Test
    void thePublisherDeliversOnlyWhatWasRequested() throws Exception {
        PeerClient c = start(PeerClientConfig.builder().peerName("flow"));
        List<Long> got = new CopyOnWriteArrayList<>();
        AtomicReference<Flow.Subscription> sub = new AtomicReference<>();
        c.publisher().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                sub.set(s);
                s.request(3);
            }

            @Override
            public void onNext(DeliveredRecord item) {
                got.add(item.offset());
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        sink.send("t", 0, 0, 10);
        await().atMost(WAIT).until(() -> got.size() == 3);
        await().atMost(WAIT).until(() -> sink.lastAck("t", 0) == 2);
        assertThat(c.stats().buffered()).isEqualTo(7);
        sub.get().request(100);
        await().atMost(WAIT).until(() -> got.size() == 10);
        assertThat(got).containsExactlyElementsOf(range(0, 10));
        await().atMost(WAIT).until(() -> sink.lastAck("t", 0) == 9);
        assertThatThrownBy(() -> c.onRecord(r -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void callbacksAckWhenTheyReturnAndManualModeAcksOnlyWhatTheAppSays() throws Exception {
        PeerClient auto = start(PeerClientConfig.builder().peerName("cb"));
        List<Long> seen = new CopyOnWriteArrayList<>();
        auto.onRecord(r -> seen.add(r.offset()));
        assertThat(auto.awaitSubscribed(WAIT)).isTrue();
        sink.send("t", 2, 0, 5);
        await().atMost(WAIT).until(() -> seen.size() == 5 && sink.lastAck("t", 2) == 4);

        FakeSink other = new FakeSink();
        try {
            PeerClient manual = PeerClient.start(PeerClientConfig.builder().endpoint(other.address()).topics("t").peerName("m")
                    .ackMode(AckMode.MANUAL).ackInterval(Duration.ofMillis(20)).build());
            clients.add(manual);
            assertThat(manual.awaitSubscribed(WAIT)).isTrue();
            other.send("t", 0, 0, 5);
            List<DeliveredRecord> rs = new ArrayList<>();
            while (rs.size() < 5) {
                DeliveredRecord r = manual.poll(WAIT);
                rs.add(r);
            }
            manual.ack(rs.get(1));
            await().atMost(WAIT).until(() -> other.lastAck("t", 0) == 1);
            manual.poll(Duration.ofMillis(50));
            manual.flushAcks();
            assertThat(other.lastAck("t", 0)).isEqualTo(1);
            assertThat(manual.cursors()).containsExactly(new Cursor("t", 0, 1));
        } finally {
            other.close();
        }
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }
}
