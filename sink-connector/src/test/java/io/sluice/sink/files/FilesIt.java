package io.sluice.sink.files;

import io.sluice.protocol.file.FileEvent;
import io.sluice.protocol.file.FileRecord;
import io.sluice.protocol.file.FileRecordJson;
import io.sluice.sink.SluiceSinkConnector;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.source.SluiceSourceConnector;
import io.sluice.testkit.TestKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/** What the file transfer ITs share: both connectors' settings, test files, reading the files topic, JMX. */
final class FilesIt {
    private FilesIt() {
    }

    /** A port free a moment ago (bound with port 0 and released): the connector binds it, and binds it again after a restart. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> sourceProps(String readings, String files, int port) {
        Map<String, String> p = new HashMap<>();
        p.put("connector.class", SluiceSourceConnector.class.getName());
        p.put("tasks.max", "1");
        p.put("topic", readings);
        p.put("files.topic", files);
        p.put("listen.address", "127.0.0.1");
        p.put("listen.port", Integer.toString(port));
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter.schemas.enable", "false");
        p.put("poll.timeout.ms", "200");
        return p;
    }

    static Map<String, String> sinkProps(EmbeddedConnectCluster connect, String files, String endpoints, int port) {
        Map<String, String> p = new HashMap<>();
        p.put("connector.class", SluiceSinkConnector.class.getName());
        p.put("topics", files);
        p.put("tasks.max", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        p.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, connect.kafka().bootstrapServers());
        p.put(SluiceSinkConfig.LISTENER_HOST_CONFIG, "127.0.0.1");
        p.put(SluiceSinkConfig.LISTENER_PORT_CONFIG, Integer.toString(port));
        p.put(SluiceSinkConfig.ENDPOINTS_TOPIC_CONFIG, endpoints);
        p.put(SluiceSinkConfig.HEARTBEAT_CONFIG, "1000");
        p.put(SluiceSinkConfig.IDLE_TIMEOUT_CONFIG, "15000");
        p.put(SluiceSinkConfig.FILES_TOPICS_CONFIG, files);
        p.put("offset.flush.interval.ms", "1000");
        return p;
    }

    static void start(EmbeddedConnectCluster connect, String name, Map<String, String> props) throws InterruptedException {
        connect.configureConnector(name, props);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 1, "connector " + name + " did not start");
    }

    /** A file of random bytes. */
    static Path file(Path dir, String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(buf.length, left);
                r.nextBytes(buf);
                out.write(buf, 0, n);
                left -= n;
            }
        }
        return p;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Every record of {@code topic}, read to its end offsets as they are now. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedConnectCluster connect, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(Map.of("group.id", TestKafka.uniqueName("read"),
                "max.partition.fetch.bytes", 8 << 20, "fetch.max.bytes", 64 << 20))) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static List<FileRecord> fileRecords(EmbeddedConnectCluster connect, String topic) {
        return readAll(connect, topic).stream().map(r -> FileRecordJson.parse(r.value())).toList();
    }

    static List<FileEvent> events(EmbeddedConnectCluster connect, String topic) {
        return readAll(connect, topic).stream().map(r -> FileEvent.parse(r.value())).toList();
    }

    /** A task metric of a connector, from JMX (summed over tasks); {@code tags} narrow it. */
    static double metric(String connector, String name, Map<String, String> tags) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName("kafka.connect:type=plugins,connector=" + connector + ",*"), null);
            double sum = 0;
            boolean found = false;
            for (ObjectName n : names) {
                if (n.getKeyProperty("task") == null || !tags.entrySet().stream()
                        .allMatch(t -> t.getValue().equals(n.getKeyProperty(t.getKey())))) {
                    continue;
                }
                Set<String> extra = new java.util.HashSet<>(n.getKeyPropertyList().keySet());
                extra.removeAll(Set.of("type", "connector", "task"));
                extra.removeAll(tags.keySet());
                if (!extra.isEmpty()) {
                    continue;
                }
                try {
                    sum += ((Number) server.getAttribute(n, name)).doubleValue();
                    found = true;
                } catch (javax.management.AttributeNotFoundException e) {
                    // another metric of the same tags
                }
            }
            if (!found) {
                throw new IllegalStateException("no metric " + name + " " + tags + " for " + connector);
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
