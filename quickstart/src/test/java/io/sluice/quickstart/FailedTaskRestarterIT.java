package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.quickstart.stack.ConnectWorker;
import io.sluice.quickstart.stack.FailedTaskRestarter;
import io.sluice.testkit.ConnectClusters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;

/**
 * The launcher's restarter against a real distributed worker: the source task fails at start
 * because its device port is taken; the restarter restarts it with a growing back-off while the
 * cause lasts, and once the port is free the task runs and every reading of a fleet reaches the
 * topic once.
 */
class FailedTaskRestarterIT {

    @Test
    void aFailedTaskIsRestartedWithBackoffUntilItRunsThenDeliversEveryReading() throws Exception {
        EmbeddedConnectCluster connect = ConnectClusters.start("restarter", 1, Map.of());
        List<String> lines = new CopyOnWriteArrayList<>();
        String name = "restarted-source";
        String topic = "restarted-readings";
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            connect.kafka().createTopic(topic, 1);
            int port = squatter.getLocalPort();
            Map<String, String> props = new HashMap<>();
            props.put("connector.class", "io.sluice.source.SluiceSourceConnector");
            props.put("tasks.max", "1");
            props.put("topic", topic);
            props.put("listen.address", "127.0.0.1");
            props.put("listen.port", Integer.toString(port));
            props.put("line.listen.port", "-1");
            props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
            props.put("value.converter.schemas.enable", "false");
            connect.configureConnector(name, props);
            connect.assertions().assertConnectorIsRunningAndTasksHaveFailed(name, 1, "the task should fail: its port is taken");

            ConnectWorker worker = new ConnectWorker(connect.workers().iterator().next().url().toString());
            try (FailedTaskRestarter restarter = FailedTaskRestarter.start(worker, List.of(name), Duration.ofMillis(500),
                    Duration.ofSeconds(1), Duration.ofSeconds(30), lines::add)) {
                // the port stays taken: each restart fails again, and the wait before the next one doubles
                await().atMost(Duration.ofSeconds(60)).until(() -> restarter.restarts().getOrDefault(name, 0) >= 3);
                assertThat(lines.get(0)).contains("restarted " + name + " (restart 1; next no sooner than in 1 s)")
                        .contains("task 0 FAILED");
                assertThat(lines.get(1)).contains("(restart 2; next no sooner than in 2 s)");
                assertThat(lines.get(2)).contains("(restart 3; next no sooner than in 4 s)");

                squatter.close();
                connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 1, "the restarter should bring the task back");

                int devices = 3;
                int perDevice = 400;
                try (DeviceFleet fleet = DeviceFleet.start(DeviceFleet.Settings.of(new InetSocketAddress("127.0.0.1", port), devices,
                        perDevice).withIdPrefix("rs-"))) {
                    assertThat(fleet.awaitGenerated(Duration.ofSeconds(60))).isTrue();
                    assertThat(fleet.flush(Duration.ofSeconds(60))).as("every reading acknowledged").isTrue();
                    assertThat(fleet.stats().acked()).isEqualTo((long) devices * perDevice);
                }
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                connect.kafka().consume(devices * perDevice, 60_000, topic).forEach(records::add);
                Map<String, List<Long>> seqs = records.stream().map(r -> (DeviceReading) TelemetryJson.parseRecord(r.value()))
                        .collect(Collectors.groupingBy(DeviceReading::device,
                                Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
                assertThat(seqs).hasSize(devices);
                seqs.forEach((device, list) -> {
                    assertThat(new TreeSet<>(list)).as("device %s: every seq", device).hasSize(perDevice).first().isEqualTo(1L);
                    assertThat(list).as("device %s: no seq twice", device).hasSize(perDevice);
                });
            }
        } finally {
            connect.stop();
        }
    }
}
