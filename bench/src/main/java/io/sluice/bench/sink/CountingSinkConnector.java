package io.sluice.bench.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * A sink that does nothing with what Connect hands it: the ceiling of Connect's own sink
 * machinery (fetch, convert, put) on this machine. The benchmark counts its records through the
 * worker's {@code sink-task-metrics} ({@code sink-record-send-total}). Packaged as a plugin
 * directory of its own ({@code bench/target/plugins/sluice-bench-counting-sink}).
 */
public class CountingSinkConnector extends SinkConnector {
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CountingSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            out.add(props);
        }
        return out;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public String version() {
        return "bench";
    }

    /** Takes every record and keeps nothing. */
    public static class CountingSinkTask extends SinkTask {
        private long count;

        @Override
        public String version() {
            return "bench";
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            count += records.size();
        }

        @Override
        public void stop() {
        }
    }
}
