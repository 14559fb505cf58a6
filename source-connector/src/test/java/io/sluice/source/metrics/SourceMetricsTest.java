package io.sluice.source.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sluice.source.SluiceSourceTask;
import io.sluice.source.buffer.DeviceBuffer;
import io.sluice.source.config.SluiceSourceConfig;
import io.sluice.source.device.DeviceHub;
import io.sluice.source.device.SourceStats;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.junit.jupiter.api.Test;

/**
 * Connect starts a new instance of a task when it gave up waiting for the old one to stop; both
 * then share the task's metric names in the worker's registry.
 */
class SourceMetricsTest {

    private static DeviceHub hub(String name) {
        SluiceSourceConfig config = new SluiceSourceConfig(Map.of("topic", "readings", "listen.port", "0"));
        Clock clock = Clock.systemUTC();
        return new DeviceHub(config, events -> new DeviceBuffer(SluiceSourceTask.bufferSettings(config), clock, events),
                devices -> Map.of(), new SourceStats(), clock, name);
    }

    @Test
    void aNewInstanceWhoseMetricsAnOrphanStillHoldsStartsAndRegistersThemOnceTheOrphanIsGone() throws Exception {
        try (Metrics registry = new Metrics()) {
            Map<String, String> tags = Map.of("connector", "src", "task", "0");
            PluginMetricsImpl orphanScope = new PluginMetricsImpl(registry, tags);
            SourceMetrics orphan = new SourceMetrics(orphanScope, hub("orphan"));
            PluginMetricsImpl newScope = new PluginMetricsImpl(registry, tags);
            DeviceHub newHub = hub("new");

            SourceMetrics[] created = new SourceMetrics[1];
            assertThatCode(() -> created[0] = new SourceMetrics(newScope, newHub)).doesNotThrowAnyException();
            SourceMetrics fresh = created[0];
            MetricName records = newScope.metricName("buffer-records", "", new LinkedHashMap<>());
            assertThat(registry.metric(records)).as("still the orphan's").isNotNull();

            orphan.close();
            orphanScope.close();
            assertThat(registry.metric(records)).as("the orphan took its gauges away").isNull();

            fresh.retryPending();
            assertThat(registry.metric(records)).as("registered by the new instance").isNotNull();
            assertThat(((Number) registry.metric(records).metricValue()).longValue()).isZero();
            fresh.close();
            newScope.close();
            assertThat(registry.metric(records)).isNull();
        }
    }
}
