package io.sluice.source.metrics;

import io.sluice.protocol.ErrorCode;
import io.sluice.source.buffer.BufferStats;
import io.sluice.source.buffer.DeviceBuffer;
import io.sluice.source.buffer.DropReason;
import io.sluice.source.device.DeviceHub;
import io.sluice.source.device.SourceStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task's metrics, registered with Connect's {@link PluginMetrics} (KIP-877), so they appear
 * in JMX as {@code kafka.connect:type=plugins,connector=<name>,task=<n>} with the worker's other
 * metrics. Values are read from the buffer and the hub when a reporter asks.
 */
public final class SourceMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SourceMetrics.class);
    private final PluginMetrics metrics;
    private final DeviceHub hub;
    private final DeviceBuffer buffer;
    private final List<MetricName> names = new ArrayList<>();
    private final Set<String> perDevice = new HashSet<>();
    private final Map<MetricName, Gauge<Number>> pending = new LinkedHashMap<>();
    private volatile BufferStats cached;
    private volatile long cachedAt;

    public SourceMetrics(PluginMetrics metrics, DeviceHub hub) {
        this.metrics = metrics;
        this.hub = hub;
        this.buffer = hub.buffer();
        register();
    }

    private void register() {
        SourceStats s = hub.stats();
        buffer("buffer-records", "Records held in the buffer now", b -> b.records());
        buffer("buffer-bytes", "Bytes held in the buffer now", b -> b.bytes());
        buffer("buffer-fill-ratio", "Fill of the buffer: the larger of records and bytes over their capacities", BufferStats::fillRatio);
        buffer("buffer-records-peak", "Most records ever held at once", b -> b.peakRecords());
        buffer("buffer-bytes-peak", "Most bytes ever held at once", b -> b.peakBytes());
        buffer("buffer-devices", "Devices with readings in the buffer", b -> b.devices());
        buffer("readings-in-total", "Readings taken into the buffer", b -> b.accepted());
        buffer("readings-out-total", "Readings handed to Connect (an aggregate counts its readings)", b -> b.drained());
        buffer("records-out-total", "Reading records handed to Connect", b -> b.recordsDrained());
        buffer("readings-filtered-total", "Readings left out by the filters", b -> b.filtered());
        buffer("readings-aggregated-total", "Readings folded into an open pre-aggregate", b -> b.folded());
        buffer("readings-dropped-total", "Readings dropped by overflow policies", b -> b.dropped());
        buffer("gap-records-total", "Gap records written", b -> b.gapsDrained());
        buffer("buffer-full-refusals-total", "Readings refused by a full buffer under the block policy", b -> b.refusedFull());
        for (DropReason r : DropReason.values()) {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("reason", r.label());
            add("readings-dropped-total", "Readings dropped, by reason", tags, () -> r == DropReason.DROP_OLDEST
                    ? stats().droppedOldest() : stats().droppedNewest());
        }
        add("connections-active", "Open device connections", Map.of(), s.connectionsActive::get);
        add("connections-total", "Connections accepted since start", Map.of(), s.connectionsOpened::sum);
        add("connections-refused-total", "Connections refused by connection limits", Map.of(), s.connectionsRefused::sum);
        add("connections-paused", "Connections not being read because the buffer is full", Map.of(), s.connectionsPaused::get);
        add("connections-paused-total", "Times a connection stopped being read because the buffer was full", Map.of(), s.pausesTotal::sum);
        add("devices-connected", "Devices with an open framed connection", Map.of(), s.devicesConnected::get);
        add("devices-known", "Devices this task has seen", Map.of(), hub::devicesKnown);
        add("readings-received-total", "Readings received from devices (before duplicates, rules and filters)", Map.of(),
                s.readingsReceived::sum);
        add("readings-duplicate-total", "Resent readings dropped as duplicates", Map.of(), s.readingsDuplicate::sum);
        add("readings-rejected-total", "Readings refused for their content (non-fatal error sent)", Map.of(), s.readingsRejected::sum);
        add("readings-committed-total", "Readings Kafka has (commitRecord)", Map.of(), s.readingsCommitted::sum);
        add("acks-sent-total", "Acknowledgement frames sent", Map.of(), s.acksSent::sum);
        add("ack-latency-avg-ms", "Mean time from taking a reading to acknowledging it", Map.of(), () -> {
            long n = s.ackLatencyCount.sum();
            return n == 0 ? 0.0 : s.ackLatencyNanos.sum() / 1e6 / n;
        });
        add("ack-latency-max-ms", "Longest time from taking a reading to acknowledging it", Map.of(),
                () -> s.ackLatencyMaxNanos.get() / 1e6);
        registerFiles(hub.files());
        add("tls-plaintext-refused-total", "Plaintext clients refused on a TLS port", Map.of(), s.tlsPlaintextRefused::sum);
        add("tls-handshake-failures-total", "Failed TLS handshakes", Map.of(), s.tlsHandshakeFailures::sum);
        add("timestamps-adjusted-total", "Readings whose event time the clock-skew policy changed", Map.of(), s.timestampsAdjusted::sum);
        for (ErrorCode c : ErrorCode.values()) {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("code", c.name());
            add("errors-sent-total", "Error frames sent to devices, by code", tags, () -> s.errors(c));
        }
    }

    private void registerFiles(io.sluice.source.file.FileHub files) {
        io.sluice.source.file.FileStats f = files.stats();
        add("file-frames-refused-total", "File frames refused because file transfer is off (files.topic empty)", Map.of(),
                f.framesRefused::sum);
        add("files-started-total", "File transfers begun (new to this task and to the source offsets)", Map.of(), f.filesStarted::sum);
        add("files-resumed-total", "File transfers announced again and resumed from memory or the source offsets", Map.of(),
                f.filesResumed::sum);
        add("files-completed-total", "Files whose completion marker Kafka has (the device was told)", Map.of(), f.filesCompleted::sum);
        add("files-failed-total", "Files refused for good: too large, bad name, wrong SHA-256", Map.of(), f.filesFailed::sum);
        add("files-active", "File transfers this task holds in memory", Map.of(), files::transfers);
        add("file-chunks-in-total", "Chunks taken from devices (in order, CRC-32C checked)", Map.of(), f.chunksIn::sum);
        add("file-bytes-in-total", "Bytes of the chunks taken", Map.of(), f.bytesIn::sum);
        add("file-chunks-out-total", "Chunk records Kafka has (commitRecord)", Map.of(), f.chunksOut::sum);
        add("file-bytes-out-total", "Bytes of the chunk records Kafka has", Map.of(), f.bytesOut::sum);
        add("file-chunks-duplicate-total", "Chunks sent again that the task already had (not written again)", Map.of(),
                f.chunksDuplicate::sum);
        add("file-chunks-refused-total", "Chunks refused: bad CRC-32C, out of range, out of order", Map.of(), f.chunksRefused::sum);
        add("file-chunks-discarded-total", "Chunks after a refused one, dropped until it was sent again", Map.of(),
                f.chunksDiscarded::sum);
        add("file-checksum-failures-total", "Chunks with a wrong CRC-32C plus files with a wrong SHA-256", Map.of(),
                f.checksumFailures::sum);
        add("file-transfers-forgotten-total", "Idle transfers dropped from memory (their progress stays in the source offsets)",
                Map.of(), f.transfersForgotten::sum);
        add("file-buffer-chunks", "Chunks waiting for poll()", Map.of(), files::queuedChunks);
        add("file-buffer-bytes", "Bytes of the chunks waiting for poll()", Map.of(), files::queuedBytes);
    }

    private BufferStats stats() {
        long now = System.nanoTime();
        BufferStats b = cached;
        // one snapshot serves a whole reporter pass over these gauges
        if (b == null || now - cachedAt > 50_000_000L) {
            b = buffer.stats();
            cached = b;
            cachedAt = now;
        }
        return b;
    }

    private void buffer(String name, String doc, ToDoubleFunction<BufferStats> f) {
        add(name, doc, Map.of(), () -> f.applyAsDouble(stats()));
    }

    private interface Value {
        Number get();
    }

    private void add(String name, String doc, Map<String, String> tags, Value v) {
        MetricName mn = metrics.metricName(name, doc, new LinkedHashMap<>(tags));
        Gauge<Number> gauge = (config, now) -> v.get();
        if (!tryAdd(mn, gauge)) {
            pending.put(mn, gauge);
        }
    }

    private boolean tryAdd(MetricName mn, Gauge<Number> gauge) {
        try {
            metrics.addMetric(mn, gauge);
            names.add(mn);
            return true;
        } catch (IllegalArgumentException e) {
            // "already exists": an earlier instance of this task that Connect gave up stopping still holds
            // it; registered again once that instance is gone (retryPending) instead of failing the task
            if (pending.isEmpty()) {
                log.warn("metric {} is still registered by an earlier instance of this task; registering it when that one "
                        + "has stopped", mn.name());
            }
            return false;
        }
    }

    /** Registers the metrics an earlier instance of the task still held at start; from the task thread. */
    public void retryPending() {
        pending.entrySet().removeIf(e -> tryAdd(e.getKey(), e.getValue()));
    }

    /**
     * Registers per-device drop counters for devices that dropped readings since the last call
     * (called from the task thread, outside the buffer's lock).
     */
    public void refreshDeviceDrops() {
        Map<String, Map<DropReason, Long>> drops = buffer.dropsByDevice();
        for (Map.Entry<String, Map<DropReason, Long>> e : drops.entrySet()) {
            for (DropReason r : e.getValue().keySet()) {
                String key = e.getKey() + "\u0000" + r;
                if (perDevice.add(key)) {
                    Map<String, String> tags = new LinkedHashMap<>();
                    tags.put("reason", r.label());
                    tags.put("device", e.getKey());
                    String device = e.getKey();
                    add("device-readings-dropped-total", "Readings of one device dropped, by reason", tags,
                            () -> buffer.drops(device, r));
                }
            }
        }
    }

    @Override
    public void close() {
        for (MetricName n : names) {
            try {
                metrics.removeMetric(n);
            } catch (RuntimeException e) {
                // the worker may have closed them already
            }
        }
        names.clear();
        pending.clear();
    }
}
