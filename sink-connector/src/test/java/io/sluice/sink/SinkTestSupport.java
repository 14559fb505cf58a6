package io.sluice.sink;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.peer.PeerClient;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.Json;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.testkit.TestKafka;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/** What the sink ITs share: connector props, test data, endpoint discovery, JMX and lag readings. */
final class SinkTestSupport {
    static final String[] METRICS = {"temp", "pressure", "humidity"};

    private SinkTestSupport() {
    }

    static Map<String, String> connectorProps(EmbeddedConnectCluster connect, String topic, String endpointsTopic) {
        Map<String, String> p = new HashMap<>();
        p.put("connector.class", SluiceSinkConnector.class.getName());
        p.put("topics", topic);
        p.put("tasks.max", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        p.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, connect.kafka().bootstrapServers());
        p.put(SluiceSinkConfig.LISTENER_HOST_CONFIG, "127.0.0.1");
        p.put(SluiceSinkConfig.LISTENER_PORT_CONFIG, "0");
        p.put(SluiceSinkConfig.ENDPOINTS_TOPIC_CONFIG, endpointsTopic);
        p.put(SluiceSinkConfig.HEARTBEAT_CONFIG, "1000");
        p.put(SluiceSinkConfig.IDLE_TIMEOUT_CONFIG, "15000");
        return p;
    }

    /** The record value: a small aggregate-like JSON object carrying a unique id. */
    static byte[] value(long id, String device, String metric) {
        return ("{\"device\":\"" + device + "\",\"metric\":\"" + metric + "\",\"window_start\":" + id
                + ",\"count\":1,\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
    }

    static String device(long id) {
        return "d-" + (id % 10);
    }

    static String metric(long id) {
        return METRICS[(int) (id % 3)];
    }

    /** Produces ids [from, to) keyed by device; returns after every send is acknowledged. */
    static void produce(EmbeddedConnectCluster connect, String topic, long from, long to) {
        produce(connect, topic, from, to, 0);
    }

    /** Same, each value padded with {@code pad} extra bytes. */
    static void produce(EmbeddedConnectCluster connect, String topic, long from, long to, int pad) {
        produce(connect, topic, from, to, pad, 0);
    }

    /** Same; with {@code partitions} > 0, id i goes to partition i % partitions (else by key). */
    static void produce(EmbeddedConnectCluster connect, String topic, long from, long to, int pad, int partitions) {
        String padding = "x".repeat(pad);
        try (KafkaProducer<byte[], byte[]> p = connect.kafka().createProducer(Map.of("acks", "all", "linger.ms", 5))) {
            for (long id = from; id < to; id++) {
                byte[] v = value(id, device(id), metric(id));
                if (pad > 0) {
                    String s = new String(v, StandardCharsets.UTF_8);
                    v = (s.substring(0, s.length() - 1) + ",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
                }
                Integer partition = partitions > 0 ? (int) (id % partitions) : null;
                p.send(new ProducerRecord<>(topic, partition, device(id).getBytes(StandardCharsets.UTF_8), v));
            }
            p.flush();
        }
    }

    static long id(DeliveredRecord r) {
        try {
            JsonNode n = Json.MAPPER.readTree(r.value());
            return n.get("id").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not a test record: " + r, e);
        }
    }

    /** Reads the endpoints topic until {@code n} live endpoints of the connector are there. */
    static List<InetSocketAddress> endpoints(EmbeddedConnectCluster connect, String endpointsTopic, String connector, int n) {
        return endpoints(connect, endpointsTopic, connector, n, Set.of());
    }

    /** Same, waiting until none of the endpoints is one of {@code stale} (a restarted task's old port). */
    static List<InetSocketAddress> endpoints(EmbeddedConnectCluster connect, String endpointsTopic, String connector, int n,
            Set<InetSocketAddress> stale) {
        Set<String> staleNames = new java.util.HashSet<>();
        stale.forEach(a -> staleNames.add(a.getHostString() + ":" + a.getPort()));
        Map<String, String> latest = new TreeMap<>();
        TopicPartition tp = new TopicPartition(endpointsTopic, 0);
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(Map.of("group.id", TestKafka.uniqueName("ep")))) {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                if (c.assignment().isEmpty()) {
                    if (c.partitionsFor(endpointsTopic, Duration.ofSeconds(5)).isEmpty()) {
                        return false;
                    }
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(connector + "/") || key.substring(connector.length() + 1).contains("/")) {
                        continue; // not a task endpoint (a durable peer's state)
                    }
                    if (r.value() == null) {
                        latest.remove(key);
                    } else {
                        latest.put(key, Json.MAPPER.readTree(r.value()).get("endpoint").asText());
                    }
                }
                return latest.size() >= n && latest.values().stream().noneMatch(staleNames::contains);
            });
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String e : latest.values()) {
            int colon = e.lastIndexOf(':');
            out.add(new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1))));
        }
        return out;
    }

    /** A plugin metric of the connector's task over JMX (the worker registers them under kafka.connect:type=plugins). */
    static long jmx(String connector, String attribute, String peer) {
        return jmx(connector, attribute, "peer", peer);
    }

    /** Sums the attribute over the task's MBeans whose tag {@code tagKey} is {@code tagValue} (null: has no such tag). */
    static long jmx(String connector, String attribute, String tagKey, String tagValue) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(new ObjectName("kafka.connect:type=plugins,connector=" + connector + ",*"),
                    null);
            long sum = 0;
            boolean found = false;
            for (ObjectName n : names) {
                String tag = n.getKeyProperty(tagKey);
                if (tagValue == null ? tag != null : !tagValue.equals(tag)) {
                    continue;
                }
                try {
                    Object v = server.getAttribute(n, attribute);
                    if (v instanceof Number num) {
                        sum += num.longValue();
                        found = true;
                    }
                } catch (javax.management.AttributeNotFoundException e) {
                    // another metric group of the same task
                }
            }
            return found ? sum : -1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** How far the connector's committed offsets are behind the log end, summed over partitions. */
    static long committedLag(EmbeddedConnectCluster connect, String connector, String topic, int partitions) throws Exception {
        try (Admin admin = connect.kafka().createAdminClient()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("connect-" + connector)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                q.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            long lag = 0;
            for (var e : admin.listOffsets(q).all().get().entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }
    }

    /** Collects what a peer receives: ids with their counts, and (partition, offset) pairs. */
    static final class Collected {
        final Map<Long, AtomicInteger> ids = new ConcurrentHashMap<>();
        final Map<Integer, List<Long>> offsets = new ConcurrentHashMap<>();
        final Map<Long, String> where = new ConcurrentHashMap<>();
        volatile long records;

        void add(DeliveredRecord r) {
            long id = id(r);
            ids.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            offsets.computeIfAbsent(r.partition(), k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(r.offset());
            String w = r.partition() + "@" + r.offset();
            String before = where.putIfAbsent(id, w);
            if (before != null && !before.equals(w)) {
                throw new AssertionError("id " + id + " arrived as " + before + " and as " + w);
            }
            records++;
        }

        int distinct() {
            return ids.size();
        }

        /** Polls the client until {@code n} distinct ids arrived or the timeout passed. */
        void drain(PeerClient c, int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (distinct() < n && System.nanoTime() < deadline) {
                DeliveredRecord r = c.poll(Duration.ofMillis(200));
                if (r != null) {
                    add(r);
                }
            }
            // in auto mode the last record counts as processed at the next poll
            DeliveredRecord extra = c.poll(Duration.ofMillis(1));
            if (extra != null) {
                add(extra);
            }
        }
    }
}
