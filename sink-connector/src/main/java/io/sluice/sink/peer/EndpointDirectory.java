package io.sluice.sink.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a peer finds every task of a connector: each task writes its peer endpoint to a small
 * compacted topic (key {@code <connector>/<task>}), removes it with a tombstone when it stops,
 * and tails the topic to know the others'. {@code Subscribed.endpoints} lists them, and the hub
 * re-sends {@code Subscribed} when the list changes, so a peer connected to one task reaches all.
 */
public final class EndpointDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointDirectory.class);

    private final String topic;
    private final String connector;
    private final int taskIndex;
    private final int taskCount;
    private final String ownEndpoint;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<Integer, String> byTask = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Thread tail;
    private volatile boolean closed;

    private EndpointDirectory(Map<String, Object> clientProps, String topic, String connector, int taskIndex, int taskCount,
            String ownEndpoint) {
        this.topic = topic;
        this.connector = connector;
        this.taskIndex = taskIndex;
        this.taskCount = taskCount;
        this.ownEndpoint = ownEndpoint;
        Map<String, Object> p = new java.util.HashMap<>(clientProps);
        p.put("client.id", connector + "-" + taskIndex + "-endpoints-producer");
        p.put("acks", "all");
        p.put("linger.ms", 0);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> c = new java.util.HashMap<>(clientProps);
        c.put("client.id", connector + "-" + taskIndex + "-endpoints-consumer");
        c.put("enable.auto.commit", false);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.byTask.put(taskIndex, ownEndpoint);
        this.tail = new Thread(this::tailLoop, connector + "-" + taskIndex + "-endpoints");
        this.tail.setDaemon(true);
    }

    /** Creates the topic if needed, publishes this task's endpoint and starts tailing. */
    public static EndpointDirectory start(Map<String, Object> clientProps, String topic, short replicationFactor,
            String connector, int taskIndex, int taskCount, String ownEndpoint) {
        ensureTopic(clientProps, topic, replicationFactor);
        EndpointDirectory d = new EndpointDirectory(clientProps, topic, connector, taskIndex, taskCount, ownEndpoint);
        try {
            d.publish(ownEndpoint);
            d.tail.start();
            return d;
        } catch (RuntimeException e) {
            d.closeClients();
            throw e;
        }
    }

    private static void ensureTopic(Map<String, Object> clientProps, String topic, short rf) {
        try (Admin admin = Admin.create(clientProps)) {
            NewTopic t = rf > 0 ? new NewTopic(topic, 1, rf) : new NewTopic(topic, java.util.Optional.of(1),
                    java.util.Optional.empty());
            admin.createTopics(List.of(t.configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            log.info("created the peer endpoints topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the peer endpoints topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create the peer endpoints topic " + topic + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
    }

    private String key(int task) {
        return connector + "/" + task;
    }

    private void publish(String endpoint) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("connector", connector);
        v.put("task", taskIndex);
        v.put("endpoint", endpoint);
        v.put("updated", System.currentTimeMillis());
        try {
            producer.send(new ProducerRecord<>(topic, key(taskIndex), Json.MAPPER.writeValueAsBytes(v))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish the peer endpoint to " + topic + ": " + e.getMessage(), e);
        }
    }

    private void tailLoop() {
        TopicPartition tp = new TopicPartition(topic, 0);
        try {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            String prefix = connector + "/";
            while (!closed) {
                boolean changed = false;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || !r.key().startsWith(prefix)) {
                        continue;
                    }
                    int task;
                    try {
                        task = Integer.parseInt(r.key().substring(prefix.length()));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (task == taskIndex) {
                        continue; // our own entry is what we published, whatever older records say
                    }
                    String before = r.value() == null ? byTask.remove(task) : byTask.put(task, endpointOf(r.value()));
                    changed |= !java.util.Objects.equals(before, r.value() == null ? null : byTask.get(task));
                }
                if (changed) {
                    log.debug("peer endpoints of {} now {}", connector, endpoints());
                    listeners.forEach(Runnable::run);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("stopped following the peer endpoints topic {}: {}", topic, e.toString());
            }
        }
    }

    private static String endpointOf(byte[] value) {
        try {
            JsonNode n = Json.MAPPER.readTree(value);
            return n.path("endpoint").asText("");
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * Every known task endpoint of this connector, this task's own first (so a peer can tell which
     * listed endpoint it is already connected to, whatever name it dialled), then task order;
     * tasks beyond the current count left out.
     */
    public List<String> endpoints() {
        List<String> out = new ArrayList<>();
        out.add(ownEndpoint);
        new TreeMap<>(byTask).forEach((task, endpoint) -> {
            if (task != taskIndex && task < taskCount && endpoint != null && !endpoint.isEmpty()) {
                out.add(endpoint);
            }
        });
        return out;
    }

    public String ownEndpoint() {
        return ownEndpoint;
    }

    /** Called (on the directory's thread) when another task's endpoint appears, changes or goes. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed = true;
        try {
            producer.send(new ProducerRecord<>(topic, key(taskIndex), null)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("could not remove endpoint {} from {}: {}", ownEndpoint, topic, e.toString());
        }
        consumer.wakeup();
        try {
            tail.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeClients();
    }

    private void closeClients() {
        producer.close(Duration.ofSeconds(5));
        if (!tail.isAlive()) {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }
}
