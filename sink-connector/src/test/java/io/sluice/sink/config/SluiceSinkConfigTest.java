package io.sluice.sink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.ConfigDocs;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SluiceSinkConfigTest {
    static Map<String, String> minimal() {
        Map<String, String> p = new HashMap<>();
        p.put("name", "sink");
        p.put("topics", "aggregates,other");
        p.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, "localhost:9092");
        return p;
    }

    @Test
    void defaultsAreUsableAndTyped() {
        SluiceSinkConfig c = new SluiceSinkConfig(minimal());
        assertThat(c.peerMode()).isEqualTo(PeerMode.LISTEN);
        assertThat(c.slowPeerPolicy()).isEqualTo(SlowPeerPolicy.PAUSE);
        assertThat(c.listenerPort(0)).isEqualTo(7071);
        assertThat(c.listenerPort(2)).isEqualTo(7073);
        assertThat(c.webSocketPath()).contains("/peers");
        assertThat(c.topics()).containsExactly("aggregates", "other");
        assertThat(c.tls()).isEmpty();
        assertThat(c.authTokens()).isEmpty();
        assertThat(c.kafkaClientProps()).containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void tokensAclAndClientOverridesParse() {
        Map<String, String> p = minimal();
        p.put(SluiceSinkConfig.AUTH_TOKENS_CONFIG, "alice:t1, bob:t2");
        p.put(SluiceSinkConfig.ACL_CONFIG, "alice:aggr.*,*:other");
        p.put("kafka.security.protocol", "SSL");
        SluiceSinkConfig c = new SluiceSinkConfig(p);
        assertThat(c.authTokens()).containsEntry("t1", "alice").containsEntry("t2", "bob");
        assertThat(c.acl()).containsKeys("alice", "*");
        assertThat(c.kafkaClientProps()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void crossFieldRulesSayWhatIsWrong() {
        Map<String, String> p = minimal();
        p.put(SluiceSinkConfig.LOW_WATERMARK_CONFIG, "0.9");
        p.put(SluiceSinkConfig.PEER_MODE_CONFIG, "dial");
        p.put(SluiceSinkConfig.QUEUE_MAX_BYTES_CONFIG, "100000");
        assertThatThrownBy(() -> new SluiceSinkConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("peer.queue.low.watermark (0.9) must be below peer.queue.high.watermark (0.8)")
                .hasMessageContaining("peer.mode=dial needs at least one address in peer.dial.addresses")
                .hasMessageContaining("peer.queue.max.bytes (100000) must be at least peer.frame.max.bytes (1048576)");
        Map<String, String> tls = minimal();
        tls.put(SluiceSinkConfig.TLS_ENABLED_CONFIG, "true");
        tls.put(SluiceSinkConfig.TLS_CLIENT_AUTH_CONFIG, "required");
        assertThatThrownBy(() -> new SluiceSinkConfig(tls)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("peer.tls.enabled=true in listen mode needs peer.tls.certificate.chain")
                .hasMessageContaining("peer.tls.client.auth=required needs peer.tls.trust.certificates");
    }

    @Test
    void singleKeyValidatorsRejectBadValuesWithoutEchoingSecrets() {
        Map<String, String> p = minimal();
        p.put(SluiceSinkConfig.AUTH_TOKENS_CONFIG, "alice:secret,justatoken");
        assertThatThrownBy(() -> new SluiceSinkConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("entry 2 is not principal:token").hasMessageNotContaining("secret");
        Map<String, String> q = minimal();
        q.put(SluiceSinkConfig.DIAL_ADDRESSES_CONFIG, "peer-1:99999");
        assertThatThrownBy(() -> new SluiceSinkConfig(q)).hasMessageContaining("no valid port");
        Map<String, String> r = minimal();
        r.put(SluiceSinkConfig.SLOW_POLICY_CONFIG, "wait");
        assertThatThrownBy(() -> new SluiceSinkConfig(r)).hasMessageContaining("pause, disconnect, drop_oldest");
    }

    @Test
    void everyKeyIsFullyDocumented() {
        for (ConfigDef.ConfigKey k : SluiceSinkConfig.configDef().configKeys().values()) {
            assertThat(k.documentation).as(k.name).isNotBlank();
            assertThat(k.group).as(k.name).isNotBlank();
            assertThat(k.displayName).as(k.name).isNotBlank();
            assertThat(k.orderInGroup).as(k.name).isPositive();
        }
    }

    @Test
    void referenceDocsAreUpToDate() {
        String rendered = ConfigDocs.markdown("Sluice sink connector configuration",
                "Keys of `io.sluice.sink.SluiceSinkConnector`, besides Connect's own (`topics` or `topics.regex`, "
                        + "`tasks.max`, converters, `errors.*`). See [the sink connector guide](../sink-connector.md). "
                        + "Recommended converters: `value.converter=org.apache.kafka.connect.converters.ByteArrayConverter` "
                        + "and `key.converter=org.apache.kafka.connect.storage.StringConverter`.",
                SluiceSinkConfig.configDef());
        ConfigDocs.assertUpToDate(ConfigDocs.repositoryRoot().resolve("docs/config/sink-connector.md"), rendered);
        assertThat(List.of(rendered)).allMatch(s -> s.contains("peer.slow.policy"));
    }

    @Test
    void fileSettingsNeedTheirTopicsAmongTheConnectorsAndAUsableFolder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Map<String, String> p = minimal();
        p.put(SluiceSinkConfig.FILES_TOPICS_CONFIG, "other");
        p.put(SluiceSinkConfig.FILES_DESTINATION_FOLDER_CONFIG, dir.resolve("new/sub").toString());
        p.put(SluiceSinkConfig.FILES_EVENTS_TOPIC_CONFIG, "file-events");
        SluiceSinkConfig c = new SluiceSinkConfig(p);
        assertThat(c.filesTopics()).containsExactly("other");
        assertThat(c.filesDestinationFolder()).contains(dir.resolve("new/sub"));
        assertThat(c.filesEventsTopic()).contains("file-events");
        assertThat(c.filesPartialTtl()).hasHours(24);

        p.put(SluiceSinkConfig.FILES_TOPICS_CONFIG, "files");
        p.put(SluiceSinkConfig.FILES_EVENTS_TOPIC_CONFIG, "aggregates");
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        p.put(SluiceSinkConfig.FILES_DESTINATION_FOLDER_CONFIG, file.resolve("under").toString());
        assertThatThrownBy(() -> new SluiceSinkConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("files.topics: 'files' is not one of the topics the connector reads (topics or topics.regex)")
                .hasMessageContaining("files.events.topic (aggregates) must not be a topic the connector reads")
                .hasMessageContaining("cannot be created or written on this worker");

        Map<String, String> q = minimal();
        q.put(SluiceSinkConfig.FILES_DESTINATION_FOLDER_CONFIG, dir.toString());
        assertThatThrownBy(() -> new SluiceSinkConfig(q)).hasMessageContaining("files.destination.folder needs files.topics");
    }
}
