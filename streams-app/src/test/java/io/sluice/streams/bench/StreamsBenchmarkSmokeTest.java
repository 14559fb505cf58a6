package io.sluice.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.topology.StreamsAppTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** The benchmark's baseline topology really computes count/min/max/sum (so the comparison is like for like). */
class StreamsBenchmarkSmokeTest {

    @Test
    void thePlainBaselineAggregatesCountMinMaxSumPerWindow() {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", "unused:9092");
        s.put("input.topic", "in");
        s.put("output.topic", "out");
        s.put("window.size.ms", "10000");
        s.put("window.grace.ms", "0");
        StreamsAppConfig config = new StreamsAppConfig(s);
        AtomicLong counter = new AtomicLong();
        Properties props = StreamsAppTopology.streamsConfig(config);
        props.put("state.dir", System.getProperty("java.io.tmpdir") + "/sluice-bench-smoke-" + System.nanoTime());
        props.put("statestore.cache.max.bytes", 0L); // emit every update, to read the last one
        try (TopologyTestDriver d = new TopologyTestDriver(StreamsBenchmark.plainTopology(config, counter).build(), props)) {
            TestInputTopic<byte[], byte[]> in = d.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = d.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            long t0 = 1_700_000_000_000L;
            double[] values = {3, -1, 7.5, 2};
            for (int i = 0; i < values.length; i++) {
                in.pipeInput("d1".getBytes(StandardCharsets.UTF_8),
                        TelemetryJson.format(new DeviceReading("d1", new Reading(i, t0 + i, "m", values[i]))), t0 + i);
            }
            byte[] last = null;
            while (!out.isEmpty()) {
                last = out.readValue();
            }
            ByteBuffer agg = ByteBuffer.wrap(last);
            assertThat(agg.getLong()).isEqualTo(4);
            assertThat(agg.getDouble()).isEqualTo(11.5);
            assertThat(agg.getDouble()).isEqualTo(-1);
            assertThat(agg.getDouble()).isEqualTo(7.5);
            assertThat(counter.get()).isEqualTo(4);
        }
    }
}
