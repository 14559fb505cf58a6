package io.sluice.sink.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * A sink that only counts what Connect hands it: the ceiling of Connect's own sink machinery
 * (fetch, convert, put) on this machine, for the benchmark's context. Test code only.
 */
public class CountingSinkConnector extends SinkConnector {
    static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();
    private Map<String, String> props;

    static AtomicLong count(String name) {
        return COUNTS.computeIfAbsent(name, k -> new AtomicLong());
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CountingTask.class;
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
        return "test";
    }

    /** Counts records per connector name. */
    public static class CountingTask extends SinkTask {
        private AtomicLong count;

        @Override
        public String version() {
            return "test";
        }

        @Override
        public void start(Map<String, String> props) {
            count = count(props.get("name"));
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            count.addAndGet(records.size());
        }

        @Override
        public void stop() {
        }
    }
}
