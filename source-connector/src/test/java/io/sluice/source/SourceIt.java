package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.TelemetryRecord;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/** Helpers shared by the source connector's integration tests. */
final class SourceIt {
    private SourceIt() {
    }

    /** A port that was free a moment ago: bound with port 0, read back, released (the connector binds it next). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    static Map<String, String> props(String topic, int port) {
        Map<String, String> p = new HashMap<>();
        p.put("connector.class", SluiceSourceConnector.class.getName());
        p.put("tasks.max", "1");
        p.put("topic", topic);
        p.put("listen.address", "127.0.0.1");
        p.put("listen.port", Integer.toString(port));
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter.schemas.enable", "false");
        p.put("poll.timeout.ms", "200");
        return p;
    }

    static void startConnector(EmbeddedConnectCluster connect, String name, Map<String, String> props) throws InterruptedException {
        connect.configureConnector(name, props);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, Integer.parseInt(props.get("tasks.max")),
                "connector " + name + " did not start");
    }

    /** Every record of {@code topic}, read to the end offsets as they are now (or until {@code expected} arrived). */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, long expected, Duration timeout,
            boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                Map<TopicPartition, Long> e = end;
                boolean atEnd = parts.stream().allMatch(tp -> c.position(tp) >= e.get(tp));
                if (out.size() >= expected && atEnd) {
                    break;
                }
                if (atEnd && out.size() < expected) {
                    end = c.endOffsets(parts);
                }
            }
        }
        return out;
    }

    static List<TelemetryRecord> parse(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> TelemetryJson.parseRecord(r.value())).toList();
    }

    /** Reads one of the connector task's metrics from JMX (registered through Connect's PluginMetrics). */
    static double metric(String connector, String name, Map<String, String> tags) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        StringBuilder q = new StringBuilder("kafka.connect:type=plugins,connector=" + connector + ",*");
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName(q.toString()), null);
            double sum = 0;
            boolean found = false;
            for (ObjectName n : names) {
                if (!tags.entrySet().stream().allMatch(t -> t.getValue().equals(n.getKeyProperty(t.getKey())))) {
                    continue;
                }
                if (n.getKeyProperty("task") == null) {
                    continue;
                }
                Set<String> extra = new java.util.HashSet<>(n.getKeyPropertyList().keySet());
                extra.removeAll(Set.of("type", "connector", "task"));
                extra.removeAll(tags.keySet());
                if (!extra.isEmpty()) {
                    continue;
                }
                Object v = server.getAttribute(n, name);
                sum += ((Number) v).doubleValue();
                found = true;
            }
            if (!found) {
                throw new IllegalStateException("no metric " + name + " " + tags + " for connector " + connector + " among " + names);
            }
            return sum;
        } catch (javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
    }

    static double metric(String connector, String name) {
        return metric(connector, name, Map.of());
    }
}
