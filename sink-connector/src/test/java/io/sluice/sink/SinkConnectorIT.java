package io.sluice.sink;

import static io.sluice.sink.SinkTestSupport.committedLag;
import static io.sluice.sink.SinkTestSupport.connectorProps;
import static io.sluice.sink.SinkTestSupport.endpoints;
import static io.sluice.sink.SinkTestSupport.jmx;
import static io.sluice.sink.SinkTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.peer.AckMode;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.json.FrameJson;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sink connector on a real broker and Connect worker, with real peers on real sockets. */
@ExtendWith(SharedKafka.class)
class SinkConnectorIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private String startConnector(EmbeddedConnectCluster connect, String name, Map<String, String> props)
            throws InterruptedException {
        connect.configureConnector(name, props);
        cleanup.add(() -> connect.deleteConnector(name));
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning(name, 1, "sink did not start");
        return name;
    }

    private PeerClient peer(PeerClientConfig.Builder b) {
        PeerClient c = PeerClient.start(b.reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
        cleanup.add(c::closeNow);
        return c;
    }

    @Test
    void threePeersGetExactlyWhatTheySubscribedToAndAWebSocketPeerTheSameAsAFramedOne(EmbeddedConnectCluster connect)
            throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 3);
        String name = startConnector(connect, TestKafka.uniqueName("sink"), connectorProps(connect, topic, eps));
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);

        PeerClient all = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic));
        PeerClient pumps = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("pumps")
                .devices("d-1", "d-2"));
        PeerClient temps = peer(PeerClientConfig.builder().endpoint(endpoint).topicPatterns("aggreg.*").metrics("temp"));
        for (PeerClient c : List.of(all, pumps, temps)) {
            assertThat(c.awaitSubscribed(WAIT)).isTrue();
        }
        List<Long> wsIds = new CopyOnWriteArrayList<>();
        List<String> wsControl = new CopyOnWriteArrayList<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + endpoint.getPort() + "/peers"), new WebSocket.Listener() {
                    final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            Frame f = FrameJson.fromJson(partial.toString(), ProtocolLimits.DEFAULTS);
                            if (f instanceof Records rs) {
                                rs.records().forEach(r -> wsIds.add(SinkTestSupport.id(r)));
                            } else {
                                wsControl.add(partial.toString());
                            }
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        cleanup.add(ws::abort);
        ws.sendText("{\"type\":\"peer_hello\",\"version\":1,\"peerName\":\"\",\"token\":\"\"}", true).join();
        ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"" + topic + "\"],\"devices\":[\"d-1\",\"d-2\"]}", true).join();
        await().atMost(WAIT).until(() -> wsControl.stream().anyMatch(m -> m.contains("\"type\":\"subscribed\"")));

        int n = 3000;
        produce(connect, topic, 0, n);
        SinkTestSupport.Collected a = new SinkTestSupport.Collected();
        SinkTestSupport.Collected b = new SinkTestSupport.Collected();
        SinkTestSupport.Collected c = new SinkTestSupport.Collected();
        a.drain(all, n, WAIT);
        b.drain(pumps, n / 5, WAIT);
        c.drain(temps, n / 3, WAIT);
        await().atMost(WAIT).until(() -> wsIds.size() >= n / 5);

        assertThat(a.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, n, id -> true));
        assertThat(a.ids.values()).allMatch(count -> count.get() == 1);
        assertThat(b.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, n, id -> id % 10 == 1 || id % 10 == 2));
        assertThat(c.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, n, id -> id % 3 == 0));
        assertThat(new TreeSet<>(wsIds)).containsExactlyElementsOf(new TreeSet<>(b.ids.keySet()));
        assertThat(wsIds).hasSize(n / 5);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jmx(name, "peers-connected", null)).isEqualTo(4);
            assertThat(jmx(name, "records-delivered-total", null)).isEqualTo(n + 2L * n / 5 + n / 3);
        });
        assertThat(jmx(name, "records-delivered", "pumps")).isEqualTo(n / 5);
        await().atMost(WAIT).untilAsserted(() -> assertThat(jmx(name, "rtt-ms", "pumps")).isGreaterThanOrEqualTo(0));
    }

    @Test
    void aStalledDurablePeerPausesItsPartitionsWithinBoundsThenGetsEverything(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 2);
        Map<String, String> props = connectorProps(connect, topic, eps);
        long queueBytes = 256 << 10;
        props.put(SluiceSinkConfig.QUEUE_MAX_RECORDS_CONFIG, "500");
        props.put(SluiceSinkConfig.QUEUE_MAX_BYTES_CONFIG, Long.toString(queueBytes));
        props.put(SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG, "65536");
        props.put(SluiceSinkConfig.WRITE_BUFFER_CONFIG, "65536");
        props.put(SluiceSinkConfig.BATCH_MAX_RECORDS_CONFIG, "50");
        String name = startConnector(connect, TestKafka.uniqueName("sink"), props);
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);

        PeerClient staller = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("staller")
                .buffer(50, 64 << 10));
        assertThat(staller.awaitSubscribed(WAIT)).isTrue();
        int n = 20_000;
        produce(connect, topic, 0, n, 1000);

        // nobody reads the peer: its socket, then its queue fill, and the partitions pause
        await().atMost(WAIT).untilAsserted(() -> assertThat(jmx(name, "partitions-paused", null)).isEqualTo(2));
        long lagWhilePaused = committedLag(connect, name, topic, 2);
        assertThat(lagWhilePaused).isPositive();
        assertThat(jmx(name, "queue-bytes-peak", "staller")).isPositive().isLessThanOrEqualTo(queueBytes);
        assertThat(jmx(name, "queue-records", "staller")).isLessThanOrEqualTo(500);

        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(staller, n, WAIT);
        assertThat(got.distinct()).isEqualTo(n);
        for (List<Long> offsets : got.offsets.values()) {
            List<Long> sorted = new ArrayList<>(new TreeSet<>(offsets));
            assertThat(sorted).as("no gap by offset").containsExactlyElementsOf(LongStream.range(0, sorted.size()).boxed().toList());
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jmx(name, "partitions-paused", null)).isZero();
            assertThat(committedLag(connect, name, topic, 2)).isZero();
        });
        assertThat(jmx(name, "paused-time-ms-total", null)).isPositive();
        assertThat(jmx(name, "queue-bytes-peak", "staller")).isLessThanOrEqualTo(queueBytes);
    }

    @Test
    void partitionsPausedForASlowPeerAcrossARebalanceAreResumedWhenItCatchesUp(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 2);
        Map<String, String> props = connectorProps(connect, topic, eps);
        props.put(SluiceSinkConfig.QUEUE_MAX_RECORDS_CONFIG, "200");
        props.put(SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG, "65536");
        props.put(SluiceSinkConfig.WRITE_BUFFER_CONFIG, "65536");
        props.put(SluiceSinkConfig.BATCH_MAX_RECORDS_CONFIG, "50");
        // the task's consumer sees the new partition within a second, and rebalances
        props.put("consumer.override.metadata.max.age.ms", "1000");
        String name = startConnector(connect, TestKafka.uniqueName("sink"), props);
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);
        PeerClient slow = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("slow").buffer(50, 64 << 10));
        assertThat(slow.awaitSubscribed(WAIT)).isTrue();
        int n = 10_000;
        produce(connect, topic, 0, n, 1000, 2);
        await().atMost(WAIT).untilAsserted(() -> assertThat(jmx(name, "partitions-paused", null)).isEqualTo(2));

        // a rebalance while both are paused: every partition is revoked and assigned again
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", connect.kafka().bootstrapServers()))) {
            admin.createPartitions(Map.of(topic, org.apache.kafka.clients.admin.NewPartitions.increaseTo(3))).all().get();
            TopicPartition third = new TopicPartition(topic, 2);
            await().atMost(WAIT).until(() -> admin.describeConsumerGroups(List.of("connect-" + name)).all().get()
                    .get("connect-" + name).members().stream().anyMatch(m -> m.assignment().topicPartitions().contains(third)));
        }
        produce(connect, topic, n, n + 3000, 0, 3);

        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(slow, n + 3000, WAIT);
        assertThat(got.ids.keySet()).as("everything, from the paused partitions too")
                .containsExactlyInAnyOrderElementsOf(range(0, n + 3000, id -> true));
        assertThat(got.ids.values()).allMatch(c -> c.get() == 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(jmx(name, "partitions-paused", null)).isZero());
    }

    @Test
    void aDurablePeerKilledAndRestartedGetsEverythingAfterItsLastAck(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 3);
        String name = startConnector(connect, TestKafka.uniqueName("sink"), connectorProps(connect, topic, eps));
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);

        PeerClient first = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("keeper")
                .ackMode(AckMode.MANUAL));
        assertThat(first.awaitSubscribed(WAIT)).isTrue();
        produce(connect, topic, 0, 1500);
        SinkTestSupport.Collected before = new SinkTestSupport.Collected();
        Map<Integer, Long> acked = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (before.distinct() < 1500 && System.nanoTime() < deadline) {
            DeliveredRecord r = first.poll(Duration.ofMillis(200));
            if (r != null) {
                before.add(r);
                if (r.offset() % 7 != 3) { // ack all but a few, as a peer that dies mid-batch does
                    first.ack(r);
                    acked.merge(r.partition(), r.offset(), Math::max);
                }
            }
        }
        assertThat(before.distinct()).isEqualTo(1500);
        first.flushAcks();
        await().atMost(WAIT).until(() -> jmx(name, "acks", "keeper") > 0 && committedLag(connect, name, topic, 3) < 1500);
        Map<Integer, Long> ackedAtKill = Map.copyOf(acked);
        first.closeNow(); // killed: nothing more is acked

        produce(connect, topic, 1500, 3000);
        PeerClient second = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("keeper"));
        Map<Integer, Long> end = endOffsets(connect, topic, 3);
        long expected = 0;
        for (int p = 0; p < 3; p++) {
            expected += end.get(p) - (ackedAtKill.getOrDefault(p, -1L) + 1);
        }
        SinkTestSupport.Collected after = new SinkTestSupport.Collected();
        deadline = System.nanoTime() + WAIT.toNanos();
        while (after.records < expected && System.nanoTime() < deadline) {
            DeliveredRecord r = second.poll(Duration.ofMillis(200));
            if (r != null) {
                after.add(r);
            }
        }
        for (int p = 0; p < 3; p++) {
            long from = ackedAtKill.getOrDefault(p, -1L) + 1;
            assertThat(after.offsets.getOrDefault(p, List.of())).as("partition %d resumes right after its last ack", p)
                    .containsExactlyElementsOf(LongStream.range(from, end.get(p)).boxed().toList());
        }
        Set<Long> all = new TreeSet<>(before.ids.keySet());
        all.addAll(after.ids.keySet());
        assertThat(all).hasSize(3000);
    }

    @Test
    void aDurablePeerAwayWhileItsTaskRestartsResumesFromItsLastAck(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 2);
        String name = startConnector(connect, TestKafka.uniqueName("sink"), connectorProps(connect, topic, eps));
        InetSocketAddress before = endpoints(connect, eps, name, 1).get(0);
        PeerClient first = peer(PeerClientConfig.builder().endpoint(before).topics(topic).peerName("traveller"));
        assertThat(first.awaitSubscribed(WAIT)).isTrue();
        produce(connect, topic, 0, 1000);
        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(first, 1000, WAIT); // auto acks: all 1000 processed
        first.flushAcks();
        await().atMost(WAIT).until(() -> committedLag(connect, name, topic, 2) == 0);
        first.closeNow();

        produce(connect, topic, 1000, 2000); // while it is away...
        connect.restartTask(name, 0); // ...its task restarts and forgets everything but the state topic
        InetSocketAddress after = endpoints(connect, eps, name, 1, Set.of(before)).get(0);
        produce(connect, topic, 2000, 3000);
        // the peer kept nothing either: the restarted task knows where it was
        PeerClient second = peer(PeerClientConfig.builder().endpoint(after).topics(topic).peerName("traveller"));
        SinkTestSupport.Collected rest = new SinkTestSupport.Collected();
        rest.drain(second, 2000, WAIT);
        assertThat(rest.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(1000, 3000, id -> true));
        assertThat(rest.ids.values()).allMatch(c -> c.get() == 1);
    }

    @Test
    void peersGetOnlyCommittedRecordsLiveAndWhenReplayed(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 1);
        Map<String, String> props = connectorProps(connect, topic, eps);
        // as config/sink-connector.properties sets it: upstream is an exactly-once Streams app
        props.put("consumer.override.isolation.level", "read_committed");
        String name = startConnector(connect, TestKafka.uniqueName("sink"), props);
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);
        PeerClient first = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("committed-only"));
        assertThat(first.awaitSubscribed(WAIT)).isTrue();

        try (KafkaProducer<byte[], byte[]> tx = connect.kafka().createProducer(Map.of("transactional.id",
                TestKafka.uniqueName("tx"), "acks", "all"))) {
            tx.initTransactions();
            // live: committed 0..99, aborted 100..199, committed 200..299
            transaction(tx, topic, 0, 100, true);
            transaction(tx, topic, 100, 200, false);
            transaction(tx, topic, 200, 300, true);
            SinkTestSupport.Collected live = new SinkTestSupport.Collected();
            live.drain(first, 200, WAIT);
            first.flushAcks();
            // the last committed record came after the aborted ones in the partition: these would have come before it
            assertThat(live.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, 300, id -> id < 100 || id >= 200));
            first.closeNow();

            // replayed from Kafka when the durable peer comes back: committed 300..399, aborted 400..499, committed 500..599
            transaction(tx, topic, 300, 400, true);
            transaction(tx, topic, 400, 500, false);
            transaction(tx, topic, 500, 600, true);
        }
        PeerClient second = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).peerName("committed-only"));
        SinkTestSupport.Collected replayed = new SinkTestSupport.Collected();
        replayed.drain(second, 200, WAIT);
        assertThat(replayed.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(300, 600, id -> id < 400 || id >= 500));
        assertThat(replayed.ids.values()).allMatch(c -> c.get() == 1);
    }

    private static void transaction(KafkaProducer<byte[], byte[]> tx, String topic, long from, long to, boolean commit) {
        tx.beginTransaction();
        for (long id = from; id < to; id++) {
            tx.send(new ProducerRecord<>(topic, 0, SinkTestSupport.device(id).getBytes(StandardCharsets.UTF_8),
                    SinkTestSupport.value(id, SinkTestSupport.device(id), SinkTestSupport.metric(id))));
        }
        if (commit) {
            tx.commitTransaction();
        } else {
            tx.flush(); // the records are in the log before the abort marker
            tx.abortTransaction();
        }
    }

    @Test
    void badCredentialsAndMalformedInputAreRefusedWithoutHarmingOthers(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 1);
        Map<String, String> props = connectorProps(connect, topic, eps);
        props.put(SluiceSinkConfig.AUTH_TOKENS_CONFIG, "dashboard:good-token");
        String name = startConnector(connect, TestKafka.uniqueName("sink"), props);
        InetSocketAddress endpoint = endpoints(connect, eps, name, 1).get(0);

        PeerClient good = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).token("good-token"));
        assertThat(good.awaitSubscribed(WAIT)).isTrue();
        PeerClient wrong = peer(PeerClientConfig.builder().endpoint(endpoint).topics(topic).token("guess"));
        await().atMost(WAIT).until(wrong::hasFailed);
        assertThat(wrong.failure()).hasMessageContaining("AUTH_FAILED");
        PeerClient denied = peer(PeerClientConfig.builder().endpoint(endpoint).topics("not-served").token("good-token"));
        await().atMost(WAIT).until(denied::hasFailed);
        assertThat(denied.failure()).hasMessageContaining("SUBSCRIPTION_DENIED").hasMessageContaining("not-served");
        try (Socket s = new Socket(endpoint.getAddress(), endpoint.getPort())) {
            s.getOutputStream().write("{\"type\":\"peer_hello\"}\n".getBytes(StandardCharsets.UTF_8));
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            var e = (io.sluice.protocol.frame.ErrorFrame) io.sluice.protocol.codec.FrameCodec.decode(
                    io.netty.buffer.Unpooled.wrappedBuffer(body), ProtocolLimits.DEFAULTS);
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_THIS_PROTOCOL);
            assertThat(e.message()).contains("JSON");
        }
        produce(connect, topic, 0, 500);
        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(good, 500, WAIT);
        assertThat(got.distinct()).isEqualTo(500);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jmx(name, "disconnects-total", "reason", "auth_failed")).isEqualTo(1);
            assertThat(jmx(name, "disconnects-total", "reason", "subscription_denied")).isEqualTo(1);
            assertThat(jmx(name, "disconnects-total", "reason", "not_this_protocol")).isEqualTo(1);
        });
    }

    @Test
    void badConfigGetsAPreciseMessageFromRestValidate(EmbeddedConnectCluster connect) {
        // validation needs no running connector
        Map<String, String> props = connectorProps(connect, "t", "e");
        props.put("name", "validate-only");
        props.put(SluiceSinkConfig.LOW_WATERMARK_CONFIG, "0.9");
        props.put(SluiceSinkConfig.HIGH_WATERMARK_CONFIG, "0.5");
        ConfigInfos infos = connect.validateConnectorConfig(SluiceSinkConnector.class.getSimpleName(), props);
        assertThat(infos.errorCount()).isEqualTo(1);
        assertThat(errors(infos)).containsEntry(SluiceSinkConfig.LOW_WATERMARK_CONFIG,
                List.of("peer.queue.low.watermark (0.9) must be below peer.queue.high.watermark (0.5)"));

        Map<String, String> missing = connectorProps(connect, "t", "e");
        missing.put("name", "validate-only");
        missing.remove(SluiceSinkConfig.BOOTSTRAP_CONFIG);
        missing.put(SluiceSinkConfig.SLOW_POLICY_CONFIG, "wait");
        Map<String, List<String>> e = errors(connect.validateConnectorConfig(SluiceSinkConnector.class.getSimpleName(), missing));
        assertThat(e.get(SluiceSinkConfig.BOOTSTRAP_CONFIG)).singleElement().asString().contains("Missing required configuration");
        assertThat(e.get(SluiceSinkConfig.SLOW_POLICY_CONFIG)).singleElement().asString()
                .contains("must be one of pause, disconnect, drop_oldest");
    }

    @Test
    void recordsTooLargeForPeersGoToTheDeadLetterQueueOrFailTheTaskClearly(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        String dlq = TestKafka.uniqueName("dlq");
        String eps = TestKafka.uniqueName("endpoints");
        connect.kafka().createTopic(topic, 1);
        Map<String, String> props = connectorProps(connect, topic, eps);
        props.put(SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG, "4096");
        props.put("errors.tolerance", "all");
        props.put("errors.deadletterqueue.topic.name", dlq);
        props.put("errors.deadletterqueue.topic.replication.factor", "1");
        String name = startConnector(connect, TestKafka.uniqueName("sink"), props);
        PeerClient p = peer(PeerClientConfig.builder().endpoint(endpoints(connect, eps, name, 1).get(0)).topics(topic));
        assertThat(p.awaitSubscribed(WAIT)).isTrue();
        produce(connect, topic, 0, 50);
        produce(connect, topic, 50, 51, 10_000);
        produce(connect, topic, 51, 100);
        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(p, 99, WAIT);
        assertThat(got.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, 100, id -> id != 50));
        assertThat(connect.kafka().consume(1, WAIT.toMillis(), dlq).count()).isEqualTo(1);
        assertThat(jmx(name, "errant-records-total", null)).isEqualTo(1);

        String strictTopic = TestKafka.uniqueName("aggregates");
        connect.kafka().createTopic(strictTopic, 1);
        Map<String, String> strict = connectorProps(connect, strictTopic, TestKafka.uniqueName("endpoints"));
        strict.put(SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG, "4096");
        String strictName = startConnector(connect, TestKafka.uniqueName("sink"), strict);
        produce(connect, strictTopic, 0, 1, 10_000);
        await().atMost(WAIT).untilAsserted(() -> {
            var task = connect.connectorStatus(strictName).tasks().get(0);
            assertThat(task.state()).isEqualTo("FAILED");
            assertThat(task.trace()).contains("does not fit in one message to peers").contains("errors.deadletterqueue");
        });
    }

    @Test
    void dialModeConnectsOutToAListeningPeer(EmbeddedConnectCluster connect) throws Exception {
        String topic = TestKafka.uniqueName("aggregates");
        connect.kafka().createTopic(topic, 2);
        PeerClient listening = peer(PeerClientConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).topics(topic)
                .peerName("dialled"));
        Map<String, String> props = connectorProps(connect, topic, TestKafka.uniqueName("endpoints"));
        props.put(SluiceSinkConfig.PEER_MODE_CONFIG, "dial");
        props.put(SluiceSinkConfig.DIAL_ADDRESSES_CONFIG, "127.0.0.1:" + listening.listenAddress().getPort());
        startConnector(connect, TestKafka.uniqueName("sink"), props);
        assertThat(listening.awaitSubscribed(WAIT)).isTrue();
        produce(connect, topic, 0, 800);
        SinkTestSupport.Collected got = new SinkTestSupport.Collected();
        got.drain(listening, 800, WAIT);
        assertThat(got.ids.keySet()).containsExactlyInAnyOrderElementsOf(range(0, 800, id -> true));
    }

    static Map<String, List<String>> errors(ConfigInfos infos) {
        Map<String, List<String>> out = new HashMap<>();
        for (ConfigInfo c : infos.configs()) {
            if (!c.configValue().errors().isEmpty()) {
                out.put(c.configValue().name(), c.configValue().errors());
            }
        }
        return out;
    }

    static Map<Integer, Long> endOffsets(EmbeddedConnectCluster connect, String topic, int partitions) throws Exception {
        try (Admin admin = connect.kafka().createAdminClient()) {
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                q.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            return admin.listOffsets(q).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }

    static List<Long> range(long from, long to, java.util.function.LongPredicate keep) {
        return LongStream.range(from, to).filter(keep).boxed().toList();
    }
}
