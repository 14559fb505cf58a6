package io.sluice.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.streams.AppRuntime;
import io.sluice.streams.config.StreamsAppConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A TopologyTestDriver over the app's topology, with helpers that speak readings and aggregates.
 * Closes windows by stream time unless the settings give {@code window.close}.
 */
final class Driver implements AutoCloseable {
    static final long T0 = 1_700_000_000_000L;

    final StreamsAppConfig config;
    final AppRuntime runtime = AppRuntime.create(Clock.systemUTC());
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> in;
    final TestOutputTopic<byte[], byte[]> out;
    final TestOutputTopic<byte[], byte[]> late;
    final TestOutputTopic<byte[], byte[]> dlq;

    Driver(Map<String, String> settings) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", "unused:9092");
        p.put("application.id", "driver-test");
        p.put("idle.close.ms", "0");
        // the tests of this package close by stream time unless they say otherwise (PerDeviceClosingTest does)
        p.put("window.close", "stream_time");
        p.putAll(settings);
        config = new StreamsAppConfig(p);
        Properties props = StreamsAppTopology.streamsConfig(config);
        props.put(AppRuntime.KEY, runtime);
        props.put("state.dir", System.getProperty("java.io.tmpdir") + "/sluice-driver-" + System.nanoTime());
        driver = new TopologyTestDriver(StreamsAppTopology.buildTopology(config), props, Instant.ofEpochMilli(T0));
        in = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        out = driver.createOutputTopic(config.outputTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        late = driver.createOutputTopic(config.lateTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    void reading(String device, String metric, long seq, long ts, double value) {
        reading(device, metric, seq, ts, value, Map.of());
    }

    void reading(String device, String metric, long seq, long ts, double value, Map<String, String> tags) {
        byte[] v = TelemetryJson.format(new DeviceReading(device, new Reading(seq, ts, metric, value, tags)));
        in.pipeInput(device.getBytes(StandardCharsets.UTF_8), v, ts);
    }

    void gap(String device, String metric, long first, long last, long ts) {
        byte[] v = TelemetryJson.format(new Gap(device, metric, first, last, last - first + 1, "drop_oldest", ts));
        in.pipeInput(device.getBytes(StandardCharsets.UTF_8), v, ts);
    }

    void raw(String key, String value, long recordTs) {
        in.pipeInput(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), recordTs);
    }

    List<Aggregate> aggregates() {
        return out.readRecordsToList().stream().map(r -> {
            Aggregate a = AggregateJson.parse(r.value());
            if (!a.key().equals(new String(r.key(), StandardCharsets.UTF_8))) {
                throw new AssertionError("key " + new String(r.key(), StandardCharsets.UTF_8) + " != " + a.key());
            }
            return a;
        }).toList();
    }

    List<TestRecord<byte[], byte[]>> lateRecords() {
        return late.readRecordsToList();
    }

    /**
     * Reads the final aggregates (leaving out {@code except}'s) and asserts one per window of the
     * model (key to the values counted in it), each with the model's count, sum, min and max.
     */
    List<Aggregate> assertFinalsEqual(Map<String, List<Double>> model, String except) {
        List<Aggregate> finals = aggregates().stream().filter(Aggregate::isFinal)
                .filter(a -> !a.device().equals(except)).toList();
        Map<String, Aggregate> got = finals.stream().collect(Collectors.toMap(Aggregate::key, a -> a));
        assertThat(got).as("one final per window").hasSameSizeAs(finals);
        assertThat(got.keySet()).isEqualTo(model.keySet());
        for (var e : model.entrySet()) {
            Aggregate a = got.get(e.getKey());
            assertThat(a.count()).as(e.getKey()).isEqualTo(e.getValue().size());
            assertThat(a.sum()).as(e.getKey()).isEqualTo(e.getValue().stream().mapToDouble(x -> x).sum());
            assertThat(a.min()).isEqualTo(e.getValue().stream().mapToDouble(x -> x).min().orElseThrow());
            assertThat(a.max()).isEqualTo(e.getValue().stream().mapToDouble(x -> x).max().orElseThrow());
        }
        return finals;
    }

    void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    @Override
    public void close() {
        driver.close();
    }
}
