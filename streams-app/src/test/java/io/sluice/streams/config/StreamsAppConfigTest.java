package io.sluice.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.streams.topology.StreamsAppTopology;
import io.sluice.testkit.ConfigDocs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsAppConfigTest {
    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "localhost:9092");
        return m;
    }

    @Test
    void theReferenceDocIsGeneratedFromTheConfigDef() {
        String intro = "Settings of the Sluice streams app, read from `config/streams-app.properties` "
                + "(`sluice-streams-app --config FILE`). Keys starting with `streams.` are passed to Kafka Streams "
                + "without the prefix. See [docs/streams-app.md](../streams-app.md) for what each mechanism does.";
        ConfigDocs.assertUpToDate(ConfigDocs.repositoryRoot().resolve("docs/config/streams-app.md"),
                ConfigDocs.markdown("Streams app configuration", intro, StreamsAppConfig.configDef()));
    }

    @Test
    void theShippedPropertiesFileIsValidAndStatesEveryDefault() throws Exception {
        Path file = ConfigDocs.repositoryRoot().resolve("config/streams-app.properties");
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        assertThat(StreamsAppConfig.validate(m)).isEmpty();
        StreamsAppConfig c = new StreamsAppConfig(m);
        String text = Files.readString(file);
        for (String key : StreamsAppConfig.configDef().names()) {
            assertThat(text).as("config/streams-app.properties mentions %s", key).contains(key + "=");
        }
        assertThat(c.window().type()).isEqualTo("tumbling");
    }

    @Test
    void crossFieldRulesSayWhy() {
        Map<String, String> m = base();
        m.put("backpressure.lag.high.records", "100");
        m.put("backpressure.lag.low.records", "500");
        m.put("grouping", "tag");
        m.put("late.topic", "readings");
        assertThat(StreamsAppConfig.validate(m)).singleElement().asString()
                .contains("backpressure.lag.low.records (500) must be below backpressure.lag.high.records (100)")
                .contains("grouping.tag is required when grouping=tag")
                .contains("late.topic (readings) must differ");
        Map<String, String> h = base();
        h.put("window.type", "hopping");
        h.put("window.size.ms", "1000");
        h.put("window.advance.ms", "2000");
        assertThatThrownBy(() -> new StreamsAppConfig(h)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("window.advance.ms (2000) must not be larger than window.size.ms (1000)");
    }

    @Test
    void singleKeyErrorsAreReportedToo() {
        Map<String, String> m = base();
        m.put("statistics", "count,p100,median");
        m.put("emit", "sometimes");
        assertThat(StreamsAppConfig.validate(m)).hasSize(2);
        assertThat(String.join("\n", StreamsAppConfig.validate(m))).contains("p100").contains("emit");
    }

    @Test
    void anUnknownKeyIsAnErrorNamingTheNearestKnownOne() {
        Map<String, String> m = base();
        m.put("windw.size.ms", "5000");
        m.put("window.close", "per_device");
        m.put("num.stream.thread", "2");
        m.put("linger.ms", "5");
        m.put("streams.linger.ms", "5");
        assertThat(StreamsAppConfig.validate(m)).containsExactly(
                "unknown key 'linger.ms' (Kafka Streams' own settings take the prefix streams.)",
                "unknown key 'num.stream.thread': did you mean 'num.stream.threads'?",
                "unknown key 'windw.size.ms': did you mean 'window.size.ms'?");
    }

    @Test
    void closingPerDeviceIsTheDefaultAndFallsBackToStreamTimeForGroupingsThatMixDevices() {
        Map<String, String> m = base();
        assertThat(new StreamsAppConfig(m).closingRule()).isEqualTo(io.sluice.streams.window.ClosingRule.perDevice(0, 300_000));
        m.put("grouping", "metric");
        assertThat(new StreamsAppConfig(m).closingRule().perDevice()).isFalse();
        Map<String, String> bad = base();
        bad.put("window.device.grace.ms", "10000");
        bad.put("window.device.max.behind.ms", "5000");
        assertThat(StreamsAppConfig.validate(bad)).singleElement().asString()
                .contains("window.device.max.behind.ms (5000) must not be below window.device.grace.ms (10000)");
    }

    @Test
    void streamsSettingsCarryTheMemoryBoundsAndOverrides() {
        Map<String, String> m = base();
        m.put("processing.guarantee", "exactly_once_v2");
        m.put("buffered.records.per.partition", "500");
        m.put("streams.replication.factor", "3");
        Properties p = StreamsAppTopology.streamsConfig(new StreamsAppConfig(m));
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(p.get(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG)).isEqualTo(500);
        assertThat(p.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)).isEqualTo(10L << 20);
        assertThat(p.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isNotNull();
        assertThat(p.get("replication.factor")).isEqualTo("3");
        new StreamsConfig(p); // Kafka Streams accepts it
    }
}
