package io.sluice.quickstart.view;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.json.Json;
import io.sluice.quickstart.stack.Jmx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/** Gathers a {@link Snapshot} once a second from status files, the Admin API and JMX. */
public final class Collector implements AutoCloseable {
    private final Path deviceStatus;
    private final List<String> topics;
    private final Admin admin;
    private final int connectJmxPort;
    private final int streamsJmxPort;
    private final String sourceName;
    private final String sinkName;
    private final PeerOutput peer;
    private final long startNanos = System.nanoTime();
    private Jmx connectJmx;
    private Jmx streamsJmx;
    private long lastGenerated;
    private long lastNanos = System.nanoTime();

    public Collector(Path deviceStatus, String bootstrapServers, List<String> topics, int connectJmxPort, int streamsJmxPort,
            String sourceName, String sinkName, PeerOutput peer) {
        this.deviceStatus = deviceStatus;
        this.topics = topics;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
        this.connectJmxPort = connectJmxPort;
        this.streamsJmxPort = streamsJmxPort;
        this.sourceName = sourceName;
        this.sinkName = sinkName;
        this.peer = peer;
    }

    public Snapshot collect() {
        JsonNode d = readDevices();
        long generated = d.path("generated").asLong(0);
        long now = System.nanoTime();
        double rate = (generated - lastGenerated) * 1e9 / Math.max(1, now - lastNanos);
        lastGenerated = generated;
        lastNanos = now;

        Map<String, Long> source = plugin(connect(), sourceName);
        Map<String, Long> sink = plugin(connect(), sinkName);
        Map<String, Long> sourceDrops = tagged(connect(), sourceName, "readings-dropped-total", "reason");
        Map<String, Long> sinkDrops = tagged(connect(), sinkName, "drops-total", "reason");
        Jmx s = streams();
        ObjectName app = streamsBean(s);
        peer.refresh();
        return new Snapshot((now - startNanos) / 1e9,
                d.path("devices").asInt(0), d.path("connected").asInt(0), generated, d.path("acked").asLong(0),
                d.path("unacknowledged").asLong(0), d.path("rejected").asLong(0), d.path("resent").asLong(0), rate,
                topicSizes(),
                source.getOrDefault("buffer-records", -1L), fill(connect(), sourceName), source.getOrDefault("connections-paused", -1L),
                source.getOrDefault("readings-duplicate-total", -1L), sourceDrops,
                attr(s, app, "FinalAggregates"), attr(s, app, "UpdateAggregates"), (int) attr(s, app, "PausedPartitions"),
                attr(s, app, "Paused") > 0, attr(s, app, "DownstreamLag"), attr(s, app, "LateReadings"),
                attr(s, app, "DeadLetterRecords"),
                sink.getOrDefault("peers-connected", -1L), sink.getOrDefault("records-delivered-total", -1L),
                sink.getOrDefault("partitions-paused", -1L), sinkDrops, peer.counts());
    }

    private JsonNode readDevices() {
        try {
            return Files.exists(deviceStatus) ? Json.MAPPER.readTree(deviceStatus.toFile()) : Json.MAPPER.createObjectNode();
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    private Map<String, Long> topicSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        try {
            Map<String, TopicDescription> desc = admin.describeTopics(topics).allTopicNames().get(3, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new java.util.HashMap<>();
            desc.values().forEach(t -> t.partitions().forEach(p -> {
                latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.earliest());
            }));
            var end = admin.listOffsets(latest).all().get(3, TimeUnit.SECONDS);
            var start = admin.listOffsets(earliest).all().get(3, TimeUnit.SECONDS);
            for (String t : topics) {
                long n = 0;
                for (var e : end.entrySet()) {
                    if (e.getKey().topic().equals(t)) {
                        n += e.getValue().offset() - start.get(e.getKey()).offset();
                    }
                }
                sizes.put(t, desc.containsKey(t) ? n : -1L);
            }
        } catch (Exception e) {
            topics.forEach(t -> sizes.putIfAbsent(t, -1L));
        }
        return sizes;
    }

    private Jmx connect() {
        if (connectJmx == null && connectJmxPort > 0) {
            try {
                connectJmx = Jmx.connect(connectJmxPort);
            } catch (IOException e) {
                return null;
            }
        }
        return connectJmx;
    }

    private Jmx streams() {
        if (streamsJmx == null && streamsJmxPort > 0) {
            try {
                streamsJmx = Jmx.connect(streamsJmxPort);
            } catch (IOException e) {
                return null;
            }
        }
        return streamsJmx;
    }

    /** Sums every numeric attribute of a connector's plugin metrics without extra tags, over its tasks. */
    private Map<String, Long> plugin(Jmx jmx, String connector) {
        Map<String, Long> out = new TreeMap<>();
        if (jmx == null) {
            return out;
        }
        try {
            for (ObjectName n : jmx.names("kafka.connect:type=plugins,connector=" + ObjectName.quote(connector) + ",*")) {
                if (n.getKeyPropertyList().size() > 3) {
                    continue; // tagged series (reason=..., peer=...) are read by tagged()
                }
                for (String a : attributes(jmx, n)) {
                    double v = jmx.number(n, a);
                    if (!Double.isNaN(v)) {
                        out.merge(a, (long) v, Long::sum);
                    }
                }
            }
            if (out.isEmpty()) {
                for (ObjectName n : jmx.names("kafka.connect:type=plugins,connector=" + connector + ",*")) {
                    if (n.getKeyPropertyList().size() > 3) {
                        continue;
                    }
                    for (String a : attributes(jmx, n)) {
                        double v = jmx.number(n, a);
                        if (!Double.isNaN(v)) {
                            out.merge(a, (long) v, Long::sum);
                        }
                    }
                }
            }
        } catch (IOException e) {
            closeConnectJmx();
        }
        return out;
    }

    private double fill(Jmx jmx, String connector) {
        if (jmx == null) {
            return -1;
        }
        try {
            double max = -1;
            for (ObjectName n : jmx.names("kafka.connect:type=plugins,connector=" + connector + ",*")) {
                double v = jmx.number(n, "buffer-fill-ratio");
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
            return max;
        } catch (IOException e) {
            closeConnectJmx();
            return -1;
        }
    }

    private Map<String, Long> tagged(Jmx jmx, String connector, String attribute, String tag) {
        Map<String, Long> out = new TreeMap<>();
        if (jmx == null) {
            return out;
        }
        try {
            for (ObjectName n : jmx.names("kafka.connect:type=plugins,connector=" + connector + ",*")) {
                String t = n.getKeyProperty(tag);
                if (t == null || n.getKeyProperty("device") != null || n.getKeyProperty("peer") != null) {
                    continue;
                }
                double v = jmx.number(n, attribute);
                if (!Double.isNaN(v)) {
                    out.merge(t, (long) v, Long::sum);
                }
            }
        } catch (IOException e) {
            closeConnectJmx();
        }
        return out;
    }

    private static Collection<String> attributes(Jmx jmx, ObjectName n) {
        return jmx.attributeNames(n);
    }

    private ObjectName streamsBean(Jmx jmx) {
        if (jmx == null) {
            return null;
        }
        try {
            return jmx.names("io.sluice.streams:type=StreamsApp,*").stream().findFirst().orElse(null);
        } catch (IOException e) {
            closeStreamsJmx();
            return null;
        }
    }

    private static long attr(Jmx jmx, ObjectName n, String attribute) {
        if (jmx == null || n == null) {
            return -1;
        }
        double v = jmx.number(n, attribute);
        return Double.isNaN(v) ? -1 : (long) v;
    }

    private void closeConnectJmx() {
        try {
            if (connectJmx != null) {
                connectJmx.close();
            }
        } catch (IOException ignored) {
            // reconnected next time
        }
        connectJmx = null;
    }

    private void closeStreamsJmx() {
        try {
            if (streamsJmx != null) {
                streamsJmx.close();
            }
        } catch (IOException ignored) {
            // reconnected next time
        }
        streamsJmx = null;
    }

    @Override
    public void close() {
        admin.close();
        closeConnectJmx();
        closeStreamsJmx();
    }

    static String joined(Map<String, Long> m) {
        return m.isEmpty() ? "0" : m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}
