package io.sluice.sink.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task's metrics, registered through Connect's {@link PluginMetrics} (KIP-877) so the
 * worker exports them over JMX as {@code kafka.connect:type=plugins,connector=...,task=...}
 * with the tags below. Counters are cumulative; gauges read live state. Without plugin
 * metrics (unit tests) the counters still count and can be read directly.
 */
public final class SinkMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkMetrics.class);

    private final PluginMetrics plugin;
    private final List<MetricName> registered = new ArrayList<>();
    private final Map<String, List<MetricName>> perPeer = new ConcurrentHashMap<>();

    private final LongAdder recordsDelivered = new LongAdder();
    private final LongAdder bytesDelivered = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder recordsReplayed = new LongAdder();
    private final LongAdder errantRecords = new LongAdder();
    private final LongAdder replayGaps = new LongAdder();
    private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> disconnects = new ConcurrentHashMap<>();
    private final LongAdder pausedMillis = new LongAdder();
    private final LongAdder fileChunksDelivered = new LongAdder();
    private final LongAdder fileBytesDelivered = new LongAdder();
    private final LongAdder fileEvents = new LongAdder();
    private final LongAdder fileMarkers = new LongAdder();

    public SinkMetrics(PluginMetrics plugin) {
        this.plugin = plugin;
        counter("records-delivered-total", "Records written to peers", recordsDelivered);
        counter("bytes-delivered-total", "Record bytes written to peers", bytesDelivered);
        counter("acks-total", "PeerAck messages received", acks);
        counter("records-replayed-total", "Records re-read from Kafka for peers catching up", recordsReplayed);
        counter("errant-records-total", "Records that could not be converted or were too large", errantRecords);
        counter("replay-gaps-total", "Replays that found records already deleted by retention", replayGaps);
        counter("paused-time-ms-total", "Milliseconds partitions spent paused for slow peers, summed over partitions",
                pausedMillis);
        counter("file-chunks-delivered-total", "File chunks written to peers as FILE_DELIVERY frames", fileChunksDelivered);
        counter("file-bytes-delivered-total", "Bytes of the file chunks written to peers", fileBytesDelivered);
        counter("file-markers-total", "Completion markers of files seen in the files topics (files finished in Kafka)", fileMarkers);
        counter("file-events-total", "Events written to files.events.topic", fileEvents);
    }

    /** A gauge of the task as a whole (peers connected, partitions paused, ...). */
    public void gauge(String name, String description, LongSupplier value) {
        register(name, description, Map.of(), value, registered);
    }

    private void counter(String name, String description, LongAdder adder) {
        register(name, description, Map.of(), adder::sum, registered);
    }

    private void register(String name, String description, Map<String, String> tags, LongSupplier value,
            List<MetricName> into) {
        if (plugin == null) {
            return;
        }
        try {
            MetricName mn = plugin.metricName(name, description, new LinkedHashMap<>(tags));
            plugin.addMetric(mn, (Gauge<Long>) (config, now) -> value.getAsLong());
            synchronized (into) {
                into.add(mn);
            }
        } catch (RuntimeException e) {
            log.debug("metric {} {} not registered: {}", name, tags, e.toString());
        }
    }

    /** Gauges of one peer, tagged {@code peer=<name>}; removed by {@link #removePeer}. */
    public void addPeer(String peer, Map<String, LongSupplier> gauges) {
        List<MetricName> names = new ArrayList<>();
        for (Map.Entry<String, LongSupplier> g : gauges.entrySet()) {
            register(g.getKey(), "Per-peer " + g.getKey(), Map.of("peer", peer), g.getValue(), names);
        }
        List<MetricName> old = perPeer.put(peer, names);
        remove(old);
    }

    public void removePeer(String peer) {
        remove(perPeer.remove(peer));
    }

    private void remove(List<MetricName> names) {
        if (names == null || plugin == null) {
            return;
        }
        for (MetricName mn : names) {
            try {
                plugin.removeMetric(mn);
            } catch (RuntimeException e) {
                log.debug("metric {} not removed: {}", mn, e.toString());
            }
        }
    }

    public void delivered(int records, long bytes) {
        recordsDelivered.add(records);
        bytesDelivered.add(bytes);
    }

    public void fileChunkDelivered(long bytes) {
        fileChunksDelivered.increment();
        fileBytesDelivered.add(bytes);
    }

    public void fileMarker() {
        fileMarkers.increment();
    }

    public void fileEvent() {
        fileEvents.increment();
    }

    public long fileChunksDelivered() {
        return fileChunksDelivered.sum();
    }

    public long fileEvents() {
        return fileEvents.sum();
    }

    public void ack() {
        acks.increment();
    }

    public void replayed(int records) {
        recordsReplayed.add(records);
    }

    public void replayGap() {
        replayGaps.increment();
    }

    public void errant() {
        errantRecords.increment();
    }

    public void paused(long millis) {
        pausedMillis.add(millis);
    }

    /** Records dropped for a reason (e.g. {@code drop_oldest}), as {@code drops-total{reason=...}}. */
    public void dropped(String reason, long n) {
        tagged(drops, "drops-total", "Records dropped, by reason", reason).add(n);
    }

    /** A peer connection closed, as {@code disconnects-total{reason=...}}. */
    public void disconnected(String reason) {
        tagged(disconnects, "disconnects-total", "Peer connections closed, by reason", reason).increment();
    }

    private LongAdder tagged(Map<String, LongAdder> map, String name, String description, String reason) {
        return map.computeIfAbsent(reason, r -> {
            LongAdder a = new LongAdder();
            List<MetricName> sink = new ArrayList<>();
            register(name, description, Map.of("reason", r), a::sum, sink);
            synchronized (registered) {
                registered.addAll(sink);
            }
            return a;
        });
    }

    public long recordsDelivered() {
        return recordsDelivered.sum();
    }

    public long bytesDelivered() {
        return bytesDelivered.sum();
    }

    public long acks() {
        return acks.sum();
    }

    public long recordsReplayed() {
        return recordsReplayed.sum();
    }

    public long errantRecords() {
        return errantRecords.sum();
    }

    public long drops(String reason) {
        LongAdder a = drops.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long disconnects(String reason) {
        LongAdder a = disconnects.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long pausedMillis() {
        return pausedMillis.sum();
    }

    @Override
    public void close() {
        for (String peer : List.copyOf(perPeer.keySet())) {
            removePeer(peer);
        }
        synchronized (registered) {
            remove(List.copyOf(registered));
            registered.clear();
        }
    }
}
