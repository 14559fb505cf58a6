package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.device.DeviceClient;
import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The connector on a real Connect worker and broker, with real device connections. */
@ExtendWith(SharedKafka.class)
class SourceConnectorIT {

    @Test
    void fiftyDevicesOnTwoTasksSharingOnePortEveryReadingExactlyOnceAndAckedMeansPresent(EmbeddedConnectCluster connect)
            throws Exception {
        String name = TestKafka.uniqueName("src-fleet");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 3);
        int port = SourceIt.freePort();
        Map<String, String> props = SourceIt.props(topic, port);
        props.put("tasks.max", "2");
        SourceIt.startConnector(connect, name, props);

        int devices = 50;
        int perDevice = 400;
        DeviceFleet.Settings s = DeviceFleet.Settings.of(SourceIt.local(port), devices, perDevice).withIdPrefix(name + "-")
                .withBatch(50, Duration.ofMillis(5)).withRate(20_000).withMetrics(List.of("temperature", "humidity"));
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            // acked means present: what devices hold as acknowledged mid-stream is in the topic at that moment
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.stats().acked() > devices * perDevice / 3);
            Map<String, Long> ackedMidway = new HashMap<>();
            for (DeviceClient c : fleet.clients()) {
                ackedMidway.put(c.deviceId(), c.stats().lastAckedSeq());
            }
            Map<String, TreeSet<Long>> present = seqsByDevice(
                    SourceIt.readAll(connect.kafka().bootstrapServers(), topic, 0, Duration.ofSeconds(30), false));
            for (Map.Entry<String, Long> e : ackedMidway.entrySet()) {
                TreeSet<Long> seqs = present.getOrDefault(e.getKey(), new TreeSet<>());
                for (long seq = 1; seq <= e.getValue(); seq++) {
                    assertThat(seqs).as("device %s acked up to %d", e.getKey(), e.getValue()).contains(seq);
                }
            }

            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).as("every reading acknowledged").isTrue();
            DeviceFleet.FleetStats st = fleet.stats();
            assertThat(st.accepted()).isEqualTo((long) devices * perDevice);
            assertThat(st.acked()).isEqualTo(st.accepted());
            assertThat(st.rejected()).isZero();
            assertThat(st.failedDevices()).isZero();
        }

        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic,
                (long) devices * perDevice, Duration.ofSeconds(60), false);
        assertThat(records).hasSize(devices * perDevice);
        Map<String, List<Long>> all = SourceIt.parse(records).stream().map(DeviceReading.class::cast)
                .collect(Collectors.groupingBy(DeviceReading::device, Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
        assertThat(all).hasSize(devices);
        for (Map.Entry<String, List<Long>> e : all.entrySet()) {
            assertThat(new TreeSet<>(e.getValue())).as(e.getKey()).hasSize(perDevice).first().isEqualTo(1L);
            assertThat(new TreeSet<>(e.getValue()).last()).isEqualTo((long) perDevice);
            assertThat(e.getValue()).as("no duplicates for %s", e.getKey()).hasSize(perDevice);
        }
        // the record key is the device, the headers carry seq and connection
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        DeviceReading r0 = (DeviceReading) io.sluice.protocol.json.TelemetryJson.parseRecord(first.value());
        assertThat(new String(first.key(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(r0.device());
        assertThat(first.timestamp()).isEqualTo(r0.reading().timestampMs());
        assertThat(first.headers().lastHeader("sluice.seq")).isNotNull();
        assertThat(first.headers().lastHeader("sluice.connection")).isNotNull();

        assertThat(SourceIt.metric(name, "readings-committed-total")).isEqualTo(devices * perDevice);
        assertThat(SourceIt.metric(name, "readings-duplicate-total")).isZero();
        connect.deleteConnector(name);
    }

    static Map<String, TreeSet<Long>> seqsByDevice(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, TreeSet<Long>> m = new HashMap<>();
        for (TelemetryRecord t : SourceIt.parse(records)) {
            if (t instanceof DeviceReading d) {
                m.computeIfAbsent(d.device(), k -> new TreeSet<>()).add(d.reading().seq());
            }
        }
        return m;
    }
}
