package io.sluice.sink;

import io.sluice.protocol.SluiceVersion;
import io.sluice.sink.config.SluiceSinkConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the records of its topics to subscribing peers (see {@code docs/sink-connector.md}).
 * Plans tasks and validates; the tasks do the work. Each task config is the connector's props
 * plus the task's index and the task count (used for the peer port and the endpoints list).
 */
public class SluiceSinkConnector extends SinkConnector {
    private static final Logger log = LoggerFactory.getLogger(SluiceSinkConnector.class);

    private Map<String, String> props;
    private SluiceSinkConfig config;

    @Override
    public String version() {
        return SluiceVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        this.config = new SluiceSinkConfig(props);
        this.props = Map.copyOf(props);
        log.info("Sluice sink connector {} started ({} mode)", config.connectorName(), config.peerMode().configValue());
    }

    @Override
    public Class<? extends Task> taskClass() {
        return SluiceSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> t = new HashMap<>(props);
            t.put(SluiceSinkConfig.TASK_INDEX_CONFIG, Integer.toString(i));
            t.put(SluiceSinkConfig.TASK_COUNT_CONFIG, Integer.toString(maxTasks));
            out.add(t);
        }
        return out;
    }

    @Override
    public void stop() {
        log.info("Sluice sink connector {} stopped", config == null ? "?" : config.connectorName());
    }

    @Override
    public ConfigDef config() {
        return SluiceSinkConfig.configDef();
    }

    /** Adds the cross-field rules to the per-key checks, on the key each concerns. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        boolean singleKeyErrors = result.configValues().stream()
                .anyMatch(v -> !v.errorMessages().isEmpty() && config().configKeys().containsKey(v.name()));
        if (singleKeyErrors) {
            return result; // cross-field rules need every key to parse first
        }
        AbstractConfig parsed;
        try {
            parsed = new AbstractConfig(config(), connectorConfigs, false);
        } catch (RuntimeException e) {
            return result;
        }
        Map<String, List<String>> errors = SluiceSinkConfig.crossFieldErrorsByKey(parsed);
        for (ConfigValue v : result.configValues()) {
            List<String> msgs = errors.get(v.name());
            if (msgs != null) {
                msgs.forEach(v::addErrorMessage);
            }
        }
        return result;
    }
}
