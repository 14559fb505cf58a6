package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.testkit.ConnectClusters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once across a worker restart: a distributed worker with
 * {@code exactly.once.source.support=enabled}, stopped and replaced mid-stream; devices reconnect,
 * resend what was not acknowledged, and the topic (read_committed) holds every seq once.
 */
class ExactlyOnceRestartIT {

    @Test
    void workerRestartMidStreamYieldsEverySeqExactlyOnce() throws Exception {
        EmbeddedConnectCluster connect = ConnectClusters.start("sluice-eos", 1, Map.of("exactly.once.source.support", "enabled"));
        try {
            String name = "eos-source";
            String topic = "eos-readings";
            connect.kafka().createTopic(topic, 3);
            int port = SourceIt.freePort();
            Map<String, String> props = SourceIt.props(topic, port);
            // the worker refuses to run the connector unless exactlyOnceSupport() says SUPPORTED
            props.put("exactly.once.support", "required");
            SourceIt.startConnector(connect, name, props);

            int devices = 20;
            int perDevice = 1500;
            long total = (long) devices * perDevice;
            DeviceFleet.Settings s = DeviceFleet.Settings.of(SourceIt.local(port), devices, perDevice).withIdPrefix("eos-")
                    .withBatch(50, Duration.ofMillis(5)).withRate(6_000);
            try (DeviceFleet fleet = DeviceFleet.start(s)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> fleet.stats().acked() > total / 3);
                WorkerHandle worker = connect.workers().iterator().next();
                connect.removeWorker(worker);
                long ackedAtStop = fleet.stats().acked();
                assertThat(ackedAtStop).isLessThan(total);
                connect.addWorker();
                connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 1, "connector did not come back after the restart");

                assertThat(fleet.awaitGenerated(Duration.ofSeconds(120))).isTrue();
                assertThat(fleet.flush(Duration.ofSeconds(120))).as("every reading acknowledged after the restart").isTrue();
                DeviceFleet.FleetStats st = fleet.stats();
                assertThat(st.accepted()).isEqualTo(total);
                assertThat(st.acked()).isEqualTo(total);
                assertThat(st.failedDevices()).isZero();
                // every device reconnected at least once
                assertThat(fleet.clients()).allSatisfy(c -> assertThat(c.stats().connects()).isGreaterThanOrEqualTo(2));
            }

            List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic, total,
                    Duration.ofSeconds(60), true);
            Map<String, List<Long>> seqs = SourceIt.parse(records).stream().map(DeviceReading.class::cast)
                    .collect(Collectors.groupingBy(DeviceReading::device, Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
            assertThat(seqs).hasSize(devices);
            for (Map.Entry<String, List<Long>> e : seqs.entrySet()) {
                TreeSet<Long> distinct = new TreeSet<>(e.getValue());
                assertThat(distinct).as("device %s: every seq", e.getKey()).hasSize(perDevice);
                assertThat(distinct.first()).isEqualTo(1L);
                assertThat(distinct.last()).isEqualTo((long) perDevice);
                assertThat(e.getValue()).as("device %s: no seq twice", e.getKey()).hasSize(perDevice);
            }
            assertThat(records).hasSize((int) total);
        } finally {
            connect.stop();
        }
    }
}
