package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.device.DeviceClient;
import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A buffer far smaller than the devices' bursts: block pushes back without loss, drop policies lose exactly what they count. */
@ExtendWith(SharedKafka.class)
class OverflowIT {
    private static final int DEVICES = 20;
    private static final int PER_DEVICE = 500;

    private static Map<String, String> tinyBuffer(String topic, int port, String policy) {
        Map<String, String> p = SourceIt.props(topic, port);
        p.put("buffer.max.records", "50");
        p.put("poll.batch.max.records", "20");
        p.put("overflow.policy", policy);
        return p;
    }

    private static DeviceFleet.Settings fleet(String prefix, int port) {
        // frames of 100 readings: every frame is larger than the whole buffer
        return DeviceFleet.Settings.of(SourceIt.local(port), DEVICES, PER_DEVICE).withIdPrefix(prefix)
                .withBatch(100, Duration.ofMillis(2)).withMaxInFlight(1_000);
    }

    @Test
    void blockStopsReadingTheSocketsKeepsTheBufferBoundedAndLosesNothing(EmbeddedConnectCluster connect) throws Exception {
        String name = TestKafka.uniqueName("src-block");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 2);
        int port = SourceIt.freePort();
        SourceIt.startConnector(connect, name, tinyBuffer(topic, port, "block"));
        long blockedNanos = 0;
        try (DeviceFleet fleet = DeviceFleet.start(fleet(name + "-", port))) {
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(120))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(120))).isTrue();
            assertThat(fleet.stats().acked()).isEqualTo((long) DEVICES * PER_DEVICE);
            for (DeviceClient c : fleet.clients()) {
                blockedNanos += c.stats().blockedNanos();
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic,
                (long) DEVICES * PER_DEVICE, Duration.ofSeconds(60), false);
        Map<String, List<Long>> seqs = new HashMap<>();
        for (TelemetryRecord t : SourceIt.parse(records)) {
            DeviceReading d = (DeviceReading) t;
            seqs.computeIfAbsent(d.device(), k -> new ArrayList<>()).add(d.reading().seq());
        }
        assertThat(seqs).hasSize(DEVICES);
        seqs.forEach((device, list) -> {
            assertThat(list).as(device).hasSize(PER_DEVICE);
            assertThat(new TreeSet<>(list)).as(device).hasSize(PER_DEVICE);
        });
        assertThat(SourceIt.metric(name, "connections-paused-total")).as("sockets stopped being read").isPositive();
        assertThat(SourceIt.metric(name, "buffer-full-refusals-total")).isPositive();
        assertThat(SourceIt.metric(name, "buffer-records-peak")).as("never above capacity").isBetween(1.0, 50.0);
        assertThat(SourceIt.metric(name, "readings-dropped-total")).isZero();
        assertThat(blockedNanos).as("the push-back reached the devices' send windows").isPositive();
        connect.deleteConnector(name);
    }

    @Test
    void dropNewestLosesExactlyWhatItCountsAndReportsEveryDropInAGapRecord(EmbeddedConnectCluster connect) throws Exception {
        String name = TestKafka.uniqueName("src-drop");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 2);
        int port = SourceIt.freePort();
        SourceIt.startConnector(connect, name, tinyBuffer(topic, port, "drop_newest"));
        try (DeviceFleet fleet = DeviceFleet.start(fleet(name + "-", port))) {
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(120))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(120))).as("dropped readings are acknowledged too").isTrue();
        }
        // everything handed to Connect is in the topic once the connector has caught up
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                SourceIt.metric(name, "readings-committed-total") == SourceIt.metric(name, "readings-out-total"));
        double outTotal = SourceIt.metric(name, "records-out-total") + SourceIt.metric(name, "gap-records-total");
        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic, (long) outTotal,
                Duration.ofSeconds(60), false);
        Map<String, TreeSet<Long>> present = new HashMap<>();
        Map<String, List<Gap>> gaps = new HashMap<>();
        for (TelemetryRecord t : SourceIt.parse(records)) {
            if (t instanceof DeviceReading d) {
                assertThat(present.computeIfAbsent(d.device(), k -> new TreeSet<>()).add(d.reading().seq())).as("no duplicates").isTrue();
            } else {
                Gap g = (Gap) t;
                assertThat(g.reason()).isEqualTo("drop_newest");
                gaps.computeIfAbsent(g.device(), k -> new ArrayList<>()).add(g);
            }
        }
        long missingTotal = 0;
        for (int i = 0; i < DEVICES; i++) {
            String device = name + "-" + String.format("%05d", i);
            TreeSet<Long> seqs = present.getOrDefault(device, new TreeSet<>());
            long missing = PER_DEVICE - seqs.size();
            missingTotal += missing;
            double counted = missing == 0 ? 0 : awaitMetric(name, "device-readings-dropped-total",
                    Map.of("device", device, "reason", "drop_newest"));
            assertThat((long) counted).as("drop counter of %s equals its missing seqs", device).isEqualTo(missing);
            long inGaps = gaps.getOrDefault(device, List.of()).stream().mapToLong(Gap::count).sum();
            assertThat(inGaps).as("gap records of %s count its missing seqs", device).isEqualTo(missing);
            for (long seq = 1; seq <= PER_DEVICE; seq++) {
                if (!seqs.contains(seq)) {
                    long s = seq;
                    assertThat(gaps.get(device)).as("missing seq %d of %s lies in a gap", seq, device)
                            .anySatisfy(g -> assertThat(s).isBetween(g.firstSeq(), g.lastSeq()));
                }
            }
        }
        assertThat(missingTotal).as("a buffer of 50 cannot take frames of 100 whole").isPositive();
        assertThat(SourceIt.metric(name, "readings-dropped-total", Map.of("reason", "drop_newest"))).isEqualTo(missingTotal);
        assertThat(SourceIt.metric(name, "buffer-records-peak")).isLessThanOrEqualTo(50.0);
        connect.deleteConnector(name);
    }

    /** Per-device metrics are registered by the task shortly after a device's first drop. */
    private static double awaitMetric(String connector, String metric, Map<String, String> tags) {
        double[] v = new double[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            v[0] = SourceIt.metric(connector, metric, tags);
            return true;
        });
        return v[0];
    }

    @Test
    void theRestValidateEndpointNamesEachBadSettingPrecisely(EmbeddedConnectCluster connect) {
        Map<String, String> p = SourceIt.props("t", 7000);
        p.put("name", "validate-me");
        p.put("buffer.max.records", "100");
        p.put("poll.batch.max.records", "500");
        p.put("tls.enabled", "true");
        p.put("tls.keystore.path", "/does/not/exist.p12");
        p.put("overflow.policy", "drop_everything");
        ConfigInfos infos = connect.validateConnectorConfig(SluiceSourceConnector.class.getSimpleName(), p);
        Map<String, List<String>> errors = new HashMap<>();
        for (ConfigInfo i : infos.configs()) {
            if (!i.configValue().errors().isEmpty()) {
                errors.put(i.configKey().name(), i.configValue().errors());
            }
        }
        assertThat(errors.get("overflow.policy")).anySatisfy(m -> assertThat(m).contains("drop_everything"));
        // single-key errors come first; with them fixed the cross-field rules show
        p.put("overflow.policy", "block");
        infos = connect.validateConnectorConfig(SluiceSourceConnector.class.getSimpleName(), p);
        errors.clear();
        for (ConfigInfo i : infos.configs()) {
            if (!i.configValue().errors().isEmpty()) {
                errors.put(i.configKey().name(), i.configValue().errors());
            }
        }
        assertThat(infos.errorCount()).as("%s", errors).isEqualTo(2);
        assertThat(errors.get("buffer.max.records")).containsExactly(
                "buffer.max.records (100) must be at least poll.batch.max.records (500)");
        assertThat(errors.get("tls.keystore.path")).containsExactly(
                "file /does/not/exist.p12 does not exist or is not readable by the worker");
    }
}
