package io.sluice.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.SluiceVersion;
import io.sluice.sink.config.SluiceSinkConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class SluiceSinkConnectorTest {
    static Map<String, String> props() {
        Map<String, String> p = new HashMap<>();
        p.put("name", "sink");
        p.put("connector.class", SluiceSinkConnector.class.getName());
        p.put("topics", "aggregates");
        p.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, "localhost:9092");
        p.put(SluiceSinkConfig.QUEUE_MAX_RECORDS_CONFIG, "500");
        p.put("some.unknown.key", "kept");
        return p;
    }

    @Test
    void everyConnectorPropertyReachesEveryTaskWithItsIndex() {
        SluiceSinkConnector c = new SluiceSinkConnector();
        c.start(props());
        List<Map<String, String>> tasks = c.taskConfigs(3);
        assertThat(tasks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(tasks.get(i)).containsAllEntriesOf(props())
                    .containsEntry(SluiceSinkConfig.TASK_INDEX_CONFIG, Integer.toString(i))
                    .containsEntry(SluiceSinkConfig.TASK_COUNT_CONFIG, "3");
        }
        assertThat(c.version()).isEqualTo(SluiceVersion.get()).isNotEqualTo("unknown");
        assertThat(c.taskClass()).isEqualTo(SluiceSinkTask.class);
    }

    @Test
    void validatePutsCrossFieldErrorsOnTheKeyTheyConcern() {
        Map<String, String> p = props();
        p.put(SluiceSinkConfig.BATCH_MAX_RECORDS_CONFIG, "1000");
        Config result = new SluiceSinkConnector().validate(p);
        ConfigValue batch = result.configValues().stream()
                .filter(v -> v.name().equals(SluiceSinkConfig.BATCH_MAX_RECORDS_CONFIG)).findFirst().orElseThrow();
        assertThat(batch.errorMessages()).containsExactly(
                "peer.batch.max.records (1000) must not exceed peer.queue.max.records (500)");
    }
}
