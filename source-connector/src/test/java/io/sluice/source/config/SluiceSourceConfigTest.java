package io.sluice.source.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.source.SluiceSourceConnector;
import io.sluice.testkit.ConfigDocs;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.junit.jupiter.api.Test;

class SluiceSourceConfigTest {

    static Map<String, String> minimal() {
        Map<String, String> p = new HashMap<>();
        p.put("topic", "readings");
        return p;
    }

    @Test
    void everyKeyIsDocumentedGroupedAndOrdered() {
        for (ConfigDef.ConfigKey k : SluiceSourceConfig.configDef().configKeys().values()) {
            assertThat(k.documentation).as(k.name).isNotBlank();
            assertThat(k.group).as(k.name).isNotBlank();
            assertThat(k.orderInGroup).as(k.name).isPositive();
            assertThat(k.displayName).as(k.name).isNotBlank();
        }
    }

    @Test
    void defaultsParse() {
        SluiceSourceConfig c = new SluiceSourceConfig(minimal());
        assertThat(c.listenPort()).isEqualTo(7000);
        assertThat(c.linePort()).isEmpty();
        assertThat(c.overflowPolicy()).isEqualTo(OverflowPolicy.BLOCK);
        assertThat(c.ackMode()).isEqualTo(AckMode.COMMIT);
        assertThat(c.exactlyOnceCapable()).isTrue();
        assertThat(c.tokens()).isEmpty();
    }

    @Test
    void crossFieldRulesFailTheConstructorWithAPreciseMessage() {
        Map<String, String> p = minimal();
        p.put("buffer.max.records", "100");
        p.put("poll.batch.max.records", "500");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("buffer.max.records (100) must be at least poll.batch.max.records (500)");
    }

    @Test
    void tokensArePerDeviceWithAWildcardAndNeverEchoed() {
        Map<String, String> p = minimal();
        p.put("auth.tokens", "pump-1=s3cret, *=shared");
        SluiceSourceConfig c = new SluiceSourceConfig(p);
        assertThat(c.tokens().get("pump-1").matches("s3cret")).isTrue();
        assertThat(c.tokens().get("pump-1").matches("shared")).isFalse();
        assertThat(c.tokens().get("*").matches("shared")).isTrue();
        p.put("auth.tokens", "pump-1=s3cret,broken");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining("entry 2 is not DEVICE=TOKEN")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    void perDeviceOverflowPoliciesAndRoutesParse() {
        Map<String, String> p = minimal();
        p.put("overflow.policy.overrides", "device:cam-.*=drop_oldest");
        p.put("topic.routes", "metric:power.*=power");
        SluiceSourceConfig c = new SluiceSourceConfig(p);
        assertThat(c.overflowPolicyFor("cam-7")).isEqualTo(OverflowPolicy.DROP_OLDEST);
        assertThat(c.overflowPolicyFor("pump-7")).isEqualTo(OverflowPolicy.BLOCK);
        assertThat(c.topicRoutes()).hasSize(1);
    }

    @Test
    void exactlyOnceIsSupportedOnlyWithCommitAcksAndNeitherLineModeNorPreAggregation() {
        SluiceSourceConnector connector = new SluiceSourceConnector();
        assertThat(connector.exactlyOnceSupport(minimal())).isEqualTo(ExactlyOnceSupport.SUPPORTED);
        Map<String, String> receive = minimal();
        receive.put("ack.mode", "receive");
        assertThat(connector.exactlyOnceSupport(receive)).isEqualTo(ExactlyOnceSupport.UNSUPPORTED);
        Map<String, String> line = minimal();
        line.put("line.listen.port", "7001");
        assertThat(connector.exactlyOnceSupport(line)).isEqualTo(ExactlyOnceSupport.UNSUPPORTED);
        Map<String, String> agg = minimal();
        agg.put("aggregate.interval.ms", "1000");
        assertThat(connector.exactlyOnceSupport(agg)).isEqualTo(ExactlyOnceSupport.UNSUPPORTED);
    }

    @Test
    void recordValueFormatIsAStructWithHeadersByDefault() {
        SluiceSourceConfig c = new SluiceSourceConfig(minimal());
        assertThat(c.recordValueFormat()).isEqualTo(RecordValueFormat.STRUCT);
        assertThat(c.recordHeadersEnabled()).isTrue();
    }

    @Test
    void jsonRecordValuesNeedTheByteArrayConverter() {
        Map<String, String> p = minimal();
        p.put("record.value.format", "json");
        p.put("record.headers.enabled", "false");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("record.value.format=json writes the readings' JSON bytes and needs "
                        + "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter")
                .hasMessageContaining("not set");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("(value.converter is org.apache.kafka.connect.json.JsonConverter)");
        p.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        SluiceSourceConfig c = new SluiceSourceConfig(p);
        assertThat(c.recordValueFormat()).isEqualTo(RecordValueFormat.JSON);
        assertThat(c.recordHeadersEnabled()).isFalse();
    }

    @Test
    void anUnknownRecordValueFormatIsRefusedWithTheValidValues() {
        Map<String, String> p = minimal();
        p.put("record.value.format", "avro");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("record.value.format").hasMessageContaining("avro");
    }

    @Test
    void validateShowsTheConverterProblemOnRecordValueFormat() {
        Map<String, String> p = minimal();
        p.put("connector.class", SluiceSourceConnector.class.getName());
        p.put("record.value.format", "json");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        Config config = new SluiceSourceConnector().validate(p);
        assertThat(config.configValues()).filteredOn(v -> v.name().equals("record.value.format")).singleElement()
                .satisfies(v -> assertThat(v.errorMessages()).anySatisfy(m -> assertThat(m).contains("needs value.converter=")));
    }

    @Test
    void validatePutsEachCrossFieldProblemOnItsKey() {
        Map<String, String> p = minimal();
        p.put("connector.class", SluiceSourceConnector.class.getName());
        p.put("tls.enabled", "true");
        p.put("tls.certificate.chain.path", "/nonexistent/cert.pem");
        p.put("tls.private.key.path", "/nonexistent/key.pem");
        p.put("line.listen.port", "7000");
        p.put("filter.value.min", "10");
        p.put("filter.value.max", "1");
        Config config = new SluiceSourceConnector().validate(p);
        Map<String, List<String>> errors = new HashMap<>();
        for (ConfigValue v : config.configValues()) {
            if (!v.errorMessages().isEmpty()) {
                errors.put(v.name(), v.errorMessages());
            }
        }
        assertThat(errors.get("tls.certificate.chain.path")).anySatisfy(m -> assertThat(m).contains("/nonexistent/cert.pem")
                .contains("does not exist or is not readable"));
        assertThat(errors.get("line.listen.port")).anySatisfy(m -> assertThat(m).contains("must differ from listen.port (7000)"));
        assertThat(errors.get("filter.value.min")).anySatisfy(m -> assertThat(m).contains("must not be larger than filter.value.max"));
    }

    @Test
    void everyConnectorPropertyReachesEveryTask() {
        SluiceSourceConnector connector = new SluiceSourceConnector();
        Map<String, String> p = minimal();
        p.put("name", "c1");
        p.put("buffer.max.records", "5000");
        p.put("auth.tokens", "a=b");
        p.put("some.unknown.key", "kept");
        connector.start(p);
        List<Map<String, String>> tasks = connector.taskConfigs(3);
        assertThat(tasks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(tasks.get(i)).containsAllEntriesOf(p).containsEntry("sluice.task.index", Integer.toString(i));
        }
    }

    @Test
    void theConfigReferenceIsUpToDate() {
        String md = ConfigDocs.markdown("Sluice source connector configuration",
                "Every setting of `io.sluice.source.SluiceSourceConnector`. How the connector works, and the choices behind these "
                        + "settings: [../source-connector.md](../source-connector.md).",
                SluiceSourceConfig.configDef());
        ConfigDocs.assertUpToDate(ConfigDocs.repositoryRoot().resolve("docs/config/source-connector.md"), md);
    }

    @Test
    void fileSettingsAreCheckedAgainstFrameAndKafkaLimits() {
        Map<String, String> p = minimal();
        p.put("files.topic", "files");
        SluiceSourceConfig c = new SluiceSourceConfig(p);
        assertThat(c.filesTopic()).contains("files");
        assertThat(c.filesChunkMaxBytes()).isEqualTo(512 * 1024);

        p.put("files.chunk.max.bytes", "900000");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining(
                "files.chunk.max.bytes (900000) makes records of up to 1204096 bytes (base64 in JSON plus 4096 of metadata), over "
                        + "files.kafka.max.message.bytes (1048576): the largest chunk that fits is 783360 bytes");
        p.put("files.kafka.max.message.bytes", "2000000");
        p.put("producer.override.max.request.size", "1048576");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining("over producer.override.max.request.size (1048576)");
        p.remove("producer.override.max.request.size");
        p.put("frame.max.bytes", "800000");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining(
                "files.chunk.max.bytes (900000) plus the 147 header bytes of a FILE_CHUNK frame must fit frame.max.bytes (800000)");
        p.remove("frame.max.bytes");
        p.put("files.chunk.max.bytes", "65536");
        p.put("files.topic", "readings");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining("files.topic (readings) must differ from topic");
        p.put("files.topic", "bad topic");
        assertThatThrownBy(() -> new SluiceSourceConfig(p)).hasMessageContaining("not a valid topic name");
    }

    @Test
    void validateReportsFileProblemsOnTheirKey() {
        Map<String, String> p = minimal();
        p.put("files.topic", "files");
        p.put("files.chunk.max.bytes", "900000");
        Config result = new SluiceSourceConnector().validate(p);
        ConfigValue v = result.configValues().stream().filter(c -> c.name().equals("files.chunk.max.bytes")).findFirst().orElseThrow();
        assertThat(v.errorMessages()).singleElement().asString().contains("the largest chunk that fits is 783360 bytes");
    }
}
