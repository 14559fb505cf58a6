package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code record.value.format=json} with {@code ByteArrayConverter} and no headers, on a real
 * worker and broker: every reading arrives once, as TelemetryJson with the device as key and the
 * reading's time as timestamp, the same records a Struct through JsonConverter gives.
 */
@ExtendWith(SharedKafka.class)
class JsonRecordValueIT {

    @Test
    void jsonValuesWithoutHeadersCarryEveryReadingOnceAndParseAsTheStreamsAppReadsThem(EmbeddedConnectCluster connect)
            throws Exception {
        String name = TestKafka.uniqueName("src-json");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 1);
        int port = SourceIt.freePort();
        Map<String, String> props = SourceIt.props(topic, port);
        props.put("record.value.format", "json");
        props.put("record.headers.enabled", "false");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.remove("value.converter.schemas.enable");
        SourceIt.startConnector(connect, name, props);

        int devices = 5;
        int perDevice = 300;
        DeviceFleet.Settings s = DeviceFleet.Settings.of(SourceIt.local(port), devices, perDevice).withIdPrefix(name + "-")
                .withBatch(50, Duration.ofMillis(5)).withMetrics(List.of("temperature", "humidity"));
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).as("every reading acknowledged").isTrue();
            assertThat(fleet.stats().acked()).isEqualTo((long) devices * perDevice);
        }

        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic,
                (long) devices * perDevice, Duration.ofSeconds(60), false);
        assertThat(records).hasSize(devices * perDevice);
        Map<String, TreeSet<Long>> seqs = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TelemetryRecord t = TelemetryJson.parseRecord(r.value());
            assertThat(t).isInstanceOf(DeviceReading.class);
            DeviceReading d = (DeviceReading) t;
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(d.device());
            assertThat(r.timestamp()).isEqualTo(d.reading().timestampMs());
            assertThat(d.reading().metric()).isIn("temperature", "humidity");
            assertThat(r.headers().toArray()).as("no headers").isEmpty();
            // the bytes are the reading's JSON as TelemetryJson writes it, not a base64 string or a schema envelope
            assertThat(r.value()).isEqualTo(TelemetryJson.format(d));
            assertThat(seqs.computeIfAbsent(d.device(), k -> new TreeSet<>()).add(d.reading().seq())).as("no duplicate").isTrue();
        }
        assertThat(seqs).hasSize(devices).allSatisfy((device, set) -> {
            assertThat(set).hasSize(perDevice);
            assertThat(set.first()).isEqualTo(1L);
            assertThat(set.last()).isEqualTo((long) perDevice);
        });
        assertThat(SourceIt.metric(name, "readings-committed-total")).isEqualTo(devices * perDevice);
        connect.deleteConnector(name);
    }
}
