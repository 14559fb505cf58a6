package io.sluice.source;

import io.sluice.protocol.SluiceVersion;
import io.sluice.source.buffer.Aggregation;
import io.sluice.source.buffer.BufferFailedException;
import io.sluice.source.buffer.BufferSettings;
import io.sluice.source.buffer.DeviceBuffer;
import io.sluice.source.buffer.Drained;
import io.sluice.source.buffer.ReadingFilter;
import io.sluice.source.config.SluiceSourceConfig;
import io.sluice.source.device.DeviceHub;
import io.sluice.source.device.DeviceListener;
import io.sluice.source.device.SeqLedger;
import io.sluice.source.device.SourceStats;
import io.sluice.source.file.FileHub;
import io.sluice.source.file.FileItem;
import io.sluice.source.file.FileRecords;
import io.sluice.source.file.FileSettings;
import io.sluice.source.file.FileSourceRecord;
import io.sluice.source.file.FileStats;
import io.sluice.source.metrics.SourceMetrics;
import io.sluice.source.record.DeviceOffset;
import io.sluice.source.record.DevicePartition;
import io.sluice.source.record.RecordFactory;
import io.sluice.source.record.TelemetrySourceRecord;
import io.sluice.source.record.TopicRouter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for devices on this worker, hands their buffered readings to Connect in
 * {@link #poll()}, and acknowledges them to the devices in {@link #commitRecord} — once Kafka has
 * them. The work is in {@link DeviceHub} (network side) and {@link DeviceBuffer}; this class
 * only wires them to Connect.
 */
public class SluiceSourceTask extends SourceTask {
    private static final Logger log = LoggerFactory.getLogger(SluiceSourceTask.class);
    /** Task key added by the connector: the task's index, for thread and log names. */
    public static final String TASK_INDEX_CONFIG = "sluice.task.index";

    private SluiceSourceConfig config;
    private DeviceHub hub;
    private DeviceBuffer buffer;
    private DeviceListener listener;
    private SourceMetrics metrics;
    private RecordFactory records;
    private FileHub files;
    private FileRecords fileRecords;
    private Clock clock;
    private long lastFileSweepMs;
    private int devicesWithDrops;

    @Override
    public String version() {
        return SluiceVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        long t0 = System.nanoTime();
        config = new SluiceSourceConfig(props);
        String name = props.getOrDefault("name", "sluice") + "-" + props.getOrDefault(TASK_INDEX_CONFIG, "0");
        clock = Clock.systemUTC();
        BufferSettings settings = bufferSettings(config);
        hub = new DeviceHub(config, events -> new DeviceBuffer(settings, clock, events), this::committedSeqs, new SourceStats(), clock,
                name);
        buffer = hub.buffer();
        FileSettings fileSettings = FileSettings.from(config);
        files = new FileHub(fileSettings, new FileStats(), hub.stats(), clock, this::storedFileOffset, buffer::wakeup, name);
        hub.files(files);
        fileRecords = fileSettings.enabled() ? new FileRecords(fileSettings.topic()) : null;
        records = new RecordFactory(new TopicRouter(config.topic(), config.topicRoutes()), device -> {
            SeqLedger l = hub.ledger(device);
            return l == null ? 0L : l.acked();
        }, config.recordValueFormat(), config.recordHeadersEnabled());
        metrics = createMetrics();
        try {
            listener = DeviceListener.start(config, hub);
        } catch (Exception e) {
            stop();
            throw new ConnectException("cannot start the device listener: " + e.getMessage(), e);
        }
        log.info("Sluice source task {} started in {} ms: port {}{}, buffer {} records / {} bytes, overflow {}, acks on {}, files {}",
                name, (System.nanoTime() - t0) / 1_000_000, listener.framedPort(),
                listener.linePort().isPresent() ? ", line port " + listener.linePort().getAsInt() : "", config.bufferMaxRecords(),
                config.bufferMaxBytes(), config.overflowPolicy().configValue(), config.ackMode().configValue(),
                fileSettings.enabled() ? "to " + fileSettings.topic() : "off");
    }

    public static BufferSettings bufferSettings(SluiceSourceConfig c) {
        ReadingFilter filter = new ReadingFilter(c.metricsInclude(), c.metricsExclude(), c.valueMin().orElse(Double.NaN),
                c.valueMax().orElse(Double.NaN), c.tagRules());
        Aggregation aggregation = c.aggregateInterval()
                .map(i -> new Aggregation(i, c.aggregateFunction(), c.aggregateMetrics())).orElse(null);
        return new BufferSettings(c.bufferMaxRecords(), c.bufferMaxBytes(), c.bufferLowWatermark(), c.fairShare(),
                c.hasOverflowOverrides() ? c::overflowPolicyFor : d -> c.overflowPolicy(), c.gapRecords(), filter, aggregation);
    }

    private SourceMetrics createMetrics() {
        PluginMetrics pm;
        try {
            pm = context.pluginMetrics();
        } catch (RuntimeException | LinkageError e) {
            log.warn("plugin metrics are not available on this worker: {}", e.toString());
            return null;
        }
        return pm == null ? null : new SourceMetrics(pm, hub);
    }

    /** Committed seqs of devices from Connect's offset store (called off the network threads). */
    private Map<String, Long> committedSeqs(Collection<String> devices) {
        List<Map<String, Object>> partitions = new ArrayList<>(devices.size());
        for (String d : devices) {
            partitions.add(new DevicePartition(d, false).toMap());
        }
        Map<Map<String, Object>, Map<String, Object>> stored = context.offsetStorageReader().offsets(partitions);
        Map<String, Long> out = new HashMap<>();
        if (stored != null) {
            stored.forEach((p, o) -> {
                DevicePartition dp = DevicePartition.fromMap(p);
                DeviceOffset off = DeviceOffset.fromMap(o);
                if (dp != null && off != null) {
                    out.put(dp.device(), off.seq());
                }
            });
        }
        return out;
    }

    /** A transfer's committed source offset from Connect's offset store (called off the network threads). */
    private Map<String, Object> storedFileOffset(Map<String, Object> partition) {
        return context.offsetStorageReader().offset(partition);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        List<Drained> drained;
        List<FileItem> fileItems = files.drain(config.pollBatchMaxRecords());
        try {
            // file chunks waiting: take the readings there are and go; else wait for either (a chunk wakes the buffer)
            drained = buffer.poll(config.pollBatchMaxRecords(), fileItems.isEmpty() ? config.pollTimeout() : Duration.ZERO);
            if (fileItems.isEmpty() && drained.isEmpty()) {
                fileItems = files.drain(config.pollBatchMaxRecords());
            }
        } catch (BufferFailedException e) {
            throw e.retriable() ? new RetriableException(e.getMessage(), e) : new ConnectException(e.getMessage(), e);
        }
        if (metrics != null) {
            metrics.retryPending();
            int withDrops = buffer.devicesWithDrops();
            if (withDrops != devicesWithDrops) {
                devicesWithDrops = withDrops;
                metrics.refreshDeviceDrops();
            }
        }
        sweepFiles();
        if (drained.isEmpty() && fileItems.isEmpty()) {
            return null;
        }
        List<SourceRecord> out = new ArrayList<>(drained.size() + fileItems.size());
        for (Drained d : drained) {
            out.add(records.toRecord(d));
        }
        for (FileItem f : fileItems) {
            out.add(fileRecords.toRecord(f));
        }
        hub.stats().recordsPolled.add(out.size());
        if (log.isDebugEnabled()) {
            log.debug("poll: {} records, buffer {}", out.size(), buffer.stats());
        }
        return out;
    }

    /** At most once a second: forgets idle transfers (their progress is in the source offsets). */
    private void sweepFiles() {
        long now = clock.millis();
        if (now - lastFileSweepMs >= 1_000) {
            lastFileSweepMs = now;
            files.forgetIdle(now);
        }
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (record instanceof FileSourceRecord f) {
            files.committed(f.item());
            return;
        }
        // metadata is null when a transformation dropped the record: the reading is dealt with all the same
        if (record instanceof TelemetrySourceRecord t && t.seqs().length > 0) {
            hub.committed(t.device(), t.seqs());
        }
    }

    @Override
    public void stop() {
        long t0 = System.nanoTime();
        if (listener != null) {
            listener.close();
        }
        if (hub != null) {
            hub.stop();
            hub.buffer().close();
        }
        if (files != null) {
            files.close();
        }
        if (listener != null) {
            listener.shutdown();
        }
        if (metrics != null) {
            metrics.close();
        }
        log.info("Sluice source task stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    FileHub files() {
        return files;
    }

    /** The network side, for tests in this package. */
    DeviceHub hub() {
        return hub;
    }

    DeviceListener listener() {
        return listener;
    }
}
