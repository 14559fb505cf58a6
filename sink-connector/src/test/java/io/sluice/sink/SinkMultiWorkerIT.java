package io.sluice.sink;

import static io.sluice.sink.SinkTestSupport.connectorProps;
import static io.sluice.sink.SinkTestSupport.endpoints;
import static io.sluice.sink.SinkTestSupport.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.testkit.ConnectClusters;
import io.sluice.testkit.TestKafka;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two workers, two tasks: a peer that knows one task's endpoint gets the whole topic, and keeps
 * getting every record (at least once, duplicates with the same ids) while a worker goes away
 * and another joins mid-stream.
 */
class SinkMultiWorkerIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private EmbeddedConnectCluster connect;

    @BeforeEach
    void start() {
        connect = ConnectClusters.start(TestKafka.uniqueName("sink-multi"), 2, Map.of());
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.stop();
        }
    }

    @Test
    void onePeerGetsTheWholeTopicFromTwoTasksOnTwoWorkersAndThroughAWorkerRestart() throws Exception {
        String topic = "aggregates";
        String eps = "endpoints";
        connect.kafka().createTopic(topic, 4);
        Map<String, String> props = connectorProps(connect, topic, eps);
        props.put("tasks.max", "2");
        String name = "sink";
        connect.configureConnector(name, props);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 2, "two tasks did not start");
        List<InetSocketAddress> all = endpoints(connect, eps, name, 2);
        assertThat(all).hasSize(2).doesNotHaveDuplicates();

        // the peer is told one endpoint only: Subscribed lists the other task's
        PeerClient peer = PeerClient.start(PeerClientConfig.builder().endpoint(all.get(0)).topics(topic).peerName("everything")
                .dropDuplicates(false).reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
        try {
            await().atMost(WAIT).until(() -> peer.stats().connected() == 2);
            int first = 4000;
            produce(connect, topic, 0, first, 0, 4);
            SinkTestSupport.Collected got = new SinkTestSupport.Collected();
            got.drain(peer, first, WAIT);
            assertThat(got.ids.keySet()).containsExactlyInAnyOrderElementsOf(LongStream.range(0, first).boxed().toList());
            assertThat(got.offsets.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3);

            // a worker goes away and a new one joins while records keep coming
            int total = 16_000;
            CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                for (int from = first; from < total; from += 1000) {
                    produce(connect, topic, from, from + 1000, 0, 4);
                }
            });
            WorkerHandle leaving = connect.workers().iterator().next();
            CompletableFuture<Void> consuming = CompletableFuture.runAsync(() -> {
                try {
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (got.distinct() < total && System.nanoTime() < deadline) {
                        DeliveredRecord r = peer.poll(Duration.ofMillis(200));
                        if (r != null) {
                            got.add(r);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(WAIT).until(() -> got.distinct() > first + 2000);
            connect.removeWorker(leaving);
            connect.addWorker();
            connect.assertions().assertAtLeastNumWorkersAreUp(2, "the new worker did not join");
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 2, "tasks did not come back");
            producing.get();
            consuming.get();

            // every id at least once; a repeated delivery is the same record (Collected checks partition@offset)
            assertThat(got.ids.keySet()).containsExactlyInAnyOrderElementsOf(LongStream.range(0, total).boxed().toList());
            // a repeat the client counted may still wait in its buffer when the loop above stopped: take it too
            await().atMost(WAIT).until(() -> {
                DeliveredRecord r = peer.poll(Duration.ofMillis(50));
                if (r != null) {
                    got.add(r);
                }
                return r == null && got.records - got.distinct() == peer.stats().duplicates();
            });
            assertThat(got.ids.keySet()).hasSize(total);
            assertThat(peer.stats().connects()).isGreaterThan(2); // it reconnected to the tasks that moved
        } finally {
            peer.closeNow();
        }
    }
}
