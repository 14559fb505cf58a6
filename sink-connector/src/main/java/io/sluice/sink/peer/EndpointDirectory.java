package io.sluice.sink.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
 * The connector's small compacted state topic, shared by its tasks:
 * <ul>
 * <li>{@code <connector>/<task>}: each task's peer endpoint (a tombstone when it stops), so
 *     {@code Subscribed.endpoints} can list every task and a peer connected to one reaches all;</li>
 * <li>{@code <connector>/peer/<name>}: a durable peer's subscription and when it was last seen;</li>
 * <li>{@code <connector>/cursor/<name>/<topic>/<partition>}: its last acknowledged offset there.</li>
 * </ul>
 * The durable entries let a restarted task, or the task a partition moves to, keep holding
 * commits back for a durable peer that is away, and resume it from its last ack even when the
 * peer itself kept nothing. Every task tails the topic; {@link #awaitLoaded} waits for what was
 * there at start.
 */
public final class EndpointDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointDirectory.class);

    /** A durable peer as the state topic knows it. */
    public record StoredPeer(String name, List<String> topics, List<String> topicPatterns, long lastSeenMs,
            Map<TopicPartition, Long> cursors) {
    }

    private final String topic;
    private final String connector;
    private final int taskIndex;
    private final int taskCount;
    private final String ownEndpoint;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<Integer, String> byTask = new ConcurrentHashMap<>();
    private final Map<String, StoredPeer> peers = new ConcurrentHashMap<>();
    private final Map<String, Map<TopicPartition, Long>> cursors = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread tail;
    private volatile boolean closed;

    private EndpointDirectory(Map<String, Object> clientProps, String topic, String connector, int taskIndex, int taskCount,
            String ownEndpoint) {
        this.topic = topic;
        this.connector = connector;
        this.taskIndex = taskIndex;
        this.taskCount = taskCount;
        this.ownEndpoint = ownEndpoint;
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put("client.id", connector + "-" + taskIndex + "-state-producer");
        p.put("acks", "all");
        p.put("linger.ms", 5);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> c = new HashMap<>(clientProps);
        c.put("client.id", connector + "-" + taskIndex + "-state-consumer");
        c.put("enable.auto.commit", false);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        if (ownEndpoint != null) {
            this.byTask.put(taskIndex, ownEndpoint);
        }
        this.tail = new Thread(this::tailLoop, connector + "-" + taskIndex + "-state");
        this.tail.setDaemon(true);
    }

    /**
     * Creates the topic if needed, publishes this task's endpoint (unless null: dial mode) and
     * starts tailing.
     */
    public static EndpointDirectory start(Map<String, Object> clientProps, String topic, short replicationFactor,
            String connector, int taskIndex, int taskCount, String ownEndpoint) {
        ensureTopic(clientProps, topic, replicationFactor);
        EndpointDirectory d = new EndpointDirectory(clientProps, topic, connector, taskIndex, taskCount, ownEndpoint);
        try {
            if (ownEndpoint != null) {
                d.publishEndpoint(ownEndpoint);
            }
            d.tail.start();
            return d;
        } catch (RuntimeException e) {
            d.closeClients();
            throw e;
        }
    }

    private static void ensureTopic(Map<String, Object> clientProps, String topic, short rf) {
        ensureTopic(clientProps, topic, rf, true);
    }

    /** Creates {@code topic} unless it exists: compacted with one partition (state), or with the broker's defaults. */
    public static void ensureTopic(Map<String, Object> clientProps, String topic, short rf, boolean compactedState) {
        try (Admin admin = Admin.create(clientProps)) {
            java.util.Optional<Integer> partitions = compactedState ? java.util.Optional.of(1) : java.util.Optional.empty();
            NewTopic t = new NewTopic(topic, partitions, rf > 0 ? java.util.Optional.of(rf) : java.util.Optional.empty());
            if (compactedState) {
                t.configs(Map.of("cleanup.policy", "compact"));
            }
            admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
            log.info("created the topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create the topic " + topic + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
    }

    private String taskKey(int task) {
        return connector + "/" + task;
    }

    private void publishEndpoint(String endpoint) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("connector", connector);
        v.put("task", taskIndex);
        v.put("endpoint", endpoint);
        v.put("updated", System.currentTimeMillis());
        try {
            producer.send(new ProducerRecord<>(topic, taskKey(taskIndex), Json.MAPPER.writeValueAsBytes(v)))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish the peer endpoint to " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Records a durable peer's subscription (asynchronously; failures are logged). */
    public void publishPeer(String name, List<String> topics, List<String> topicPatterns, long nowMs) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        ArrayNode t = v.putArray("topics");
        topics.forEach(t::add);
        ArrayNode p = v.putArray("topicPatterns");
        topicPatterns.forEach(p::add);
        v.put("lastSeen", nowMs);
        send(connector + "/peer/" + name, v);
    }

    /** Records a durable peer's last acknowledged offset of a partition (asynchronously). */
    public void publishCursor(String name, TopicPartition tp, long offset) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("offset", offset);
        send(connector + "/cursor/" + name + "/" + tp.topic() + "/" + tp.partition(), v);
    }

    private void send(String key, ObjectNode value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, Json.MAPPER.writeValueAsBytes(value)), (md, e) -> {
                if (e != null && !closed) {
                    log.warn("could not record {} in {}: {}", key, topic, e.toString());
                }
            });
        } catch (Exception e) {
            log.warn("could not record {} in {}: {}", key, topic, e.toString());
        }
    }

    private void tailLoop() {
        TopicPartition tp = new TopicPartition(topic, 0);
        try {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).getOrDefault(tp, 0L);
            String prefix = connector + "/";
            while (!closed) {
                boolean changed = false;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && r.key().startsWith(prefix)) {
                        changed |= apply(r.key().substring(prefix.length()), r.value());
                    }
                }
                if (loaded.getCount() > 0 && consumer.position(tp) >= end) {
                    loaded.countDown();
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
                log.warn("stopped following the peer state topic {}: {}", topic, e.toString());
            }
        } finally {
            loaded.countDown();
        }
    }

    /** Applies one record; true when the endpoint list changed. */
    private boolean apply(String key, byte[] value) {
        String[] parts = key.split("/");
        try {
            if (parts.length == 1) {
                int task = Integer.parseInt(parts[0]);
                if (task == taskIndex) {
                    return false; // our own entry is what we published, whatever older records say
                }
                String before = value == null ? byTask.remove(task) : byTask.put(task, Json.MAPPER.readTree(value)
                        .path("endpoint").asText(""));
                return !java.util.Objects.equals(before, byTask.get(task));
            }
            if (parts.length == 2 && parts[0].equals("peer")) {
                if (value == null) {
                    peers.remove(parts[1]);
                } else {
                    JsonNode n = Json.MAPPER.readTree(value);
                    peers.put(parts[1], new StoredPeer(parts[1], strings(n.path("topics")), strings(n.path("topicPatterns")),
                            n.path("lastSeen").asLong(0), Map.of()));
                }
            } else if (parts.length == 4 && parts[0].equals("cursor")) {
                TopicPartition tp = new TopicPartition(parts[2], Integer.parseInt(parts[3]));
                Map<TopicPartition, Long> c = cursors.computeIfAbsent(parts[1], k -> new ConcurrentHashMap<>());
                if (value == null) {
                    c.remove(tp);
                } else {
                    c.put(tp, Json.MAPPER.readTree(value).path("offset").asLong());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.debug("ignoring state record {}: {}", key, e.toString());
        }
        return false;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Waits until what the topic held at start has been read; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The durable peers recorded in the topic, with their cursors. */
    public List<StoredPeer> storedPeers() {
        List<StoredPeer> out = new ArrayList<>();
        for (StoredPeer p : peers.values()) {
            out.add(new StoredPeer(p.name(), p.topics(), p.topicPatterns(), p.lastSeenMs(),
                    Map.copyOf(cursors.getOrDefault(p.name(), Map.of()))));
        }
        return out;
    }

    /**
     * Every known task endpoint of this connector, this task's own first (so a peer can tell which
     * listed endpoint it is already connected to, whatever name it dialled), then task order;
     * tasks beyond the current count left out.
     */
    public List<String> endpoints() {
        List<String> out = new ArrayList<>();
        if (ownEndpoint != null) {
            out.add(ownEndpoint);
        }
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
        if (ownEndpoint != null) {
            try {
                producer.send(new ProducerRecord<>(topic, taskKey(taskIndex), null)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debug("could not remove endpoint {} from {}: {}", ownEndpoint, topic, e.toString());
            }
        }
        producer.flush();
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
