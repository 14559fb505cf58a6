package io.sluice.source;

import io.sluice.protocol.SluiceVersion;
import io.sluice.source.config.SluiceSourceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sluice source connector: every task listens for devices on its worker (the tasks of a
 * worker share the port), buffers their readings and writes them to Kafka; devices are
 * acknowledged once Kafka has their readings. This class validates and plans; the work is in
 * {@link SluiceSourceTask}.
 */
public class SluiceSourceConnector extends SourceConnector {
    private static final Logger log = LoggerFactory.getLogger(SluiceSourceConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return SluiceVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        SluiceSourceConfig config = new SluiceSourceConfig(props);
        this.props = Map.copyOf(props);
        log.info("Sluice source connector {} starting: devices on {}:{}, topic {}, exactly-once capable: {}", props.get("name"),
                config.listenAddress(), config.listenPort(), config.topic(), config.exactlyOnceCapable());
    }

    @Override
    public Class<? extends Task> taskClass() {
        return SluiceSourceTask.class;
    }

    /** Every task gets the connector's properties plus its index; all of them listen on the same port. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> t = new HashMap<>(props);
            t.put(SluiceSourceTask.TASK_INDEX_CONFIG, Integer.toString(i));
            configs.add(t);
        }
        return configs;
    }

    @Override
    public void stop() {
        log.info("Sluice source connector {} stopped", props == null ? "" : props.get("name"));
    }

    @Override
    public ConfigDef config() {
        return SluiceSourceConfig.configDef();
    }

    /** Single-key rules from the ConfigDef, then the cross-field rules, each on the key it is about. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean singleKeyErrors = config.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty());
        if (singleKeyErrors) {
            return config;
        }
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        try {
            AbstractConfig parsed = new AbstractConfig(SluiceSourceConfig.configDef(), connectorConfigs, false);
            for (SluiceSourceConfig.Problem p : SluiceSourceConfig.crossCheck(parsed)) {
                ConfigValue v = byName.get(p.key());
                if (v != null) {
                    v.addErrorMessage(p.message());
                }
            }
        } catch (RuntimeException e) {
            ConfigValue v = byName.get(SluiceSourceConfig.TOPIC_CONFIG);
            if (v != null) {
                v.addErrorMessage(e.getMessage());
            }
        }
        return config;
    }

    /** SUPPORTED when acknowledgements follow commits and devices resend by seq (see {@link SluiceSourceConfig#exactlyOnceCapable()}). */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        try {
            return new SluiceSourceConfig(connectorConfig).exactlyOnceCapable() ? ExactlyOnceSupport.SUPPORTED
                    : ExactlyOnceSupport.UNSUPPORTED;
        } catch (RuntimeException e) {
            return ExactlyOnceSupport.UNSUPPORTED;
        }
    }
}
