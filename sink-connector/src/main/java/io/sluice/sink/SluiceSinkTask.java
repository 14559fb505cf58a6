package io.sluice.sink;

import io.netty.handler.ssl.SslContext;
import io.sluice.file.FileAssembler;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.SluiceVersion;
import io.sluice.protocol.file.FileRecord;
import io.sluice.protocol.file.FileRecordJson;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.sink.config.PeerMode;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.sink.delivery.KafkaReplayer;
import io.sluice.sink.delivery.PartitionPauses;
import io.sluice.sink.delivery.RecordConverter;
import io.sluice.sink.delivery.Routing;
import io.sluice.sink.file.FileSink;
import io.sluice.sink.metrics.SinkMetrics;
import io.sluice.sink.peer.EndpointDirectory;
import io.sluice.sink.peer.PeerDialer;
import io.sluice.sink.peer.PeerHub;
import io.sluice.sink.peer.PeerServer;
import io.sluice.sink.peer.Routed;
import io.sluice.sink.peer.TopicScope;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves records from Connect to peers: converts each record once, hands the batch to the
 * {@link PeerHub} (routing, queues, cursors), pauses and resumes partitions for slow peers, and
 * commits only what durable peers acknowledged. Network I/O runs on the peer server's threads,
 * re-reads for peers that are behind on the replay threads.
 */
public class SluiceSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(SluiceSinkTask.class);
    /**
     * While partitions are paused, Connect's poll returns this often so they resume promptly once
     * the slow peer drained to its low mark (Connect would otherwise wait up to
     * offset.flush.interval.ms): well under the time a peer needs to empty the rest of its queue.
     */
    static final long PAUSED_POLL_MS = 10;
    private static final int FRAME_SLACK_BYTES = 64;

    private final Clock clock;
    private SluiceSinkConfig config;
    private SinkMetrics metrics;
    private PeerHub hub;
    private RecordConverter converter;
    private PeerServer server;
    private PeerDialer dialer;
    private EndpointDirectory directory;
    private KafkaReplayer replayer;
    private FileSink files;
    private Set<String> fileTopics = Set.of();
    private final PartitionPauses pauses = new PartitionPauses();
    /** Task thread: the durable acks last written to the state topic. */
    private final Map<String, Map<TopicPartition, Long>> persisted = new HashMap<>();

    public SluiceSinkTask() {
        this(Clock.systemUTC());
    }

    SluiceSinkTask(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return SluiceVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        long t0 = System.nanoTime();
        config = new SluiceSinkConfig(props);
        metrics = new SinkMetrics(pluginMetrics());
        converter = new RecordConverter();
        String label = config.connectorName() + "-" + config.taskIndex();
        try {
            hub = new PeerHub(hubSettings(config), clock, metrics, this::endpoints);
            replayer = new KafkaReplayer(hub, this::newReplayConsumer, metrics, config.replayMaxConcurrent(), label);
            hub.replayScheduler(replayer);
            fileTopics = config.filesTopics();
            hub.fileTopics(fileTopics);
            files = fileSink();
            metrics.gauge("partitions-paused", "Partitions paused for slow peers now", () -> pausedCount());
            if (config.peerMode() == PeerMode.LISTEN) {
                server = PeerServer.start(config.listenerHost(), config.listenerPort(config.taskIndex()),
                        channelSettings(true), hub, metrics);
            }
            directory = EndpointDirectory.start(config.kafkaClientProps(), config.endpointsTopic(),
                    config.endpointsReplicationFactor(), config.connectorName(), config.taskIndex(), config.taskCount(),
                    server == null ? null : advertisedHost() + ":" + server.port());
            restoreDurablePeers();
            hub.durableListener((name, topics, patterns, connected) ->
                    directory.publishPeer(name, topics, patterns, clock.millis()));
            directory.onChange(hub::broadcastSubscribed);
            if (config.peerMode() == PeerMode.DIAL) {
                dialer = PeerDialer.start(resolve(config.dialAddresses()), channelSettings(false), hub,
                        config.reconnectBackoffMin(), config.reconnectBackoffMax());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new ConnectException("interrupted while starting the peer port", e);
        } catch (RuntimeException e) {
            stop();
            throw new ConnectException("sink task " + label + " cannot start: " + e.getMessage(), e);
        }
        log.info("Sluice sink task {} started in {} ms ({} mode{})", label, (System.nanoTime() - t0) / 1_000_000,
                config.peerMode().configValue(), server != null ? ", peers at " + directory.ownEndpoint() : "");
    }

    /** The folder writer and the events producer, when configured. */
    private FileSink fileSink() {
        if (fileTopics.isEmpty() || (config.filesDestinationFolder().isEmpty() && config.filesEventsTopic().isEmpty())) {
            return null;
        }
        FileAssembler.Settings folder = config.filesDestinationFolder().map(f -> FileAssembler.Settings.of(f)
                .withAllowDirectories(config.filesAllowDirectories()).withPartialTtl(config.filesPartialTtl())
                .withFsync(config.filesFsync()).withClock(clock)).orElse(null);
        KafkaProducer<byte[], byte[]> producer = null;
        String eventsTopic = config.filesEventsTopic().orElse(null);
        if (eventsTopic != null) {
            EndpointDirectory.ensureTopic(config.kafkaClientProps(), eventsTopic, config.endpointsReplicationFactor(), false);
            Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
            p.put("client.id", config.connectorName() + "-" + config.taskIndex() + "-file-events");
            p.put("acks", "all");
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        try {
            return new FileSink(folder, producer, eventsTopic, metrics, clock);
        } catch (java.io.IOException e) {
            if (producer != null) {
                producer.close();
            }
            throw new ConnectException("cannot use " + SluiceSinkConfig.FILES_DESTINATION_FOLDER_CONFIG + " "
                    + config.filesDestinationFolder().orElse(null) + ": " + e, e);
        }
    }

    /** Durable peers recorded in the state topic by earlier tasks: they hold commits and resume as if they had just left. */
    private void restoreDurablePeers() throws InterruptedException {
        if (!directory.awaitLoaded(java.time.Duration.ofSeconds(30))) {
            log.warn("the peer state topic {} was not read to its end within 30 s: durable peers that are away are not "
                    + "known to this task until they reconnect", config.endpointsTopic());
        }
        long now = clock.millis();
        long expiry = config.durableExpiry().toMillis();
        int restored = 0;
        for (EndpointDirectory.StoredPeer p : directory.storedPeers()) {
            if (now - p.lastSeenMs() < expiry && hub.restoreDurable(p.name(), p.topics(), p.topicPatterns(), p.cursors(),
                    p.lastSeenMs())) {
                persisted.put(p.name(), new HashMap<>(p.cursors()));
                restored++;
            }
        }
        if (restored > 0) {
            log.info("restored {} durable peers from {}", restored, config.endpointsTopic());
        }
    }

    /** Records the acks that changed since the last commit, so the next task knows them. */
    private void persistDurableAcks() {
        hub.durableAcks().forEach((peer, acks) -> {
            Map<TopicPartition, Long> before = persisted.computeIfAbsent(peer, k -> new HashMap<>());
            boolean changed = false;
            for (Map.Entry<TopicPartition, Long> e : acks.entrySet()) {
                if (!e.getValue().equals(before.get(e.getKey()))) {
                    directory.publishCursor(peer, e.getKey(), e.getValue());
                    before.put(e.getKey(), e.getValue());
                    changed = true;
                }
            }
            if (changed) {
                List<List<String>> sub = hub.durableSubscription(peer);
                directory.publishPeer(peer, sub.get(0), sub.get(1), clock.millis());
            }
        });
    }

    private PluginMetrics pluginMetrics() {
        try {
            return context == null ? null : context.pluginMetrics();
        } catch (RuntimeException | LinkageError e) {
            log.debug("plugin metrics unavailable: {}", e.toString());
            return null;
        }
    }

    static PeerHub.Settings hubSettings(SluiceSinkConfig c) {
        return new PeerHub.Settings(c.queueMaxRecords(), c.queueMaxBytes(), c.highWatermark(), c.lowWatermark(),
                c.slowPeerPolicy(), c.batchMaxRecords(), c.limits().maxFrameBytes(), c.durableExpiry(), c.maxPeers(),
                c.authTokens(), c.acl(), new TopicScope(c.topics(), c.topicsRegex()));
    }

    private PeerServer.ChannelSettings channelSettings(boolean server) {
        SslContext ssl = null;
        if (config.tlsEnabled()) {
            TlsSettings tls = config.tls().orElseThrow();
            try {
                ssl = server ? tls.serverContext() : tls.clientContext();
            } catch (SSLException e) {
                throw new ConnectException("cannot set up TLS for the peer connections: " + e.getMessage(), e);
            }
        }
        return new PeerServer.ChannelSettings(config.limits(), ssl, server ? config.webSocketPath().orElse(null) : null,
                config.heartbeatInterval(), config.idleTimeout(), config.writeBufferBytes());
    }

    private String advertisedHost() {
        if (config.advertisedHost().isPresent()) {
            return config.advertisedHost().get();
        }
        String host = config.listenerHost();
        if (!host.equals("0.0.0.0") && !host.equals("::") && !host.isEmpty()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static List<InetSocketAddress> resolve(List<InetSocketAddress> unresolved) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : unresolved) {
            out.add(InetSocketAddress.createUnresolved(a.getHostString(), a.getPort()));
        }
        return out;
    }

    private List<String> endpoints() {
        EndpointDirectory d = directory;
        return d == null ? List.of() : d.endpoints();
    }

    private KafkaConsumer<byte[], byte[]> newReplayConsumer() {
        Map<String, Object> p = new HashMap<>(config.kafkaClientProps());
        p.put("enable.auto.commit", false);
        p.put("auto.offset.reset", "earliest");
        p.put("max.poll.records", config.batchMaxRecords());
        p.put("client.id", config.connectorName() + "-" + config.taskIndex() + "-replay");
        // a peer never gets a record of an aborted transaction (an exactly-once Streams app writes the aggregates)
        p.putIfAbsent("isolation.level", "read_committed");
        p.remove("group.id");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        log.debug("assigned {}", partitions);
        hub.assign(partitions);
        // Connect pauses again, before open(), what the task had paused before a rebalance, also partitions
        // this task's record let go of while they were lost to it; the record decides: what it holds stays
        // paused (applyPauses resumes it when the peers caught up), the rest is resumed
        List<TopicPartition> stillPaused = pauses.assigned(partitions);
        if (!stillPaused.isEmpty()) {
            context.pause(stillPaused.toArray(new TopicPartition[0]));
        }
        TopicPartition[] running = partitions.stream().filter(tp -> !stillPaused.contains(tp)).toArray(TopicPartition[]::new);
        if (running.length > 0) {
            context.resume(running);
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        log.debug("revoked {}", partitions);
        hub.revoke(partitions);
        // what was paused is kept (PartitionPauses): Connect pauses it again if it comes back
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (!records.isEmpty()) {
            boolean subjects = hub.needsSubjects();
            int frameLimit = config.limits().maxFrameBytes() - FRAME_SLACK_BYTES;
            List<Routed> batch = new ArrayList<>(records.size());
            Map<TopicPartition, Long> positions = new HashMap<>();
            for (SinkRecord r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
                long offset = r.kafkaOffset();
                positions.put(tp, offset + 1);
                Routed routed;
                try {
                    byte[] key = converter.key(r.topic(), r.keySchema(), r.key());
                    byte[] value = converter.value(r.topic(), r.valueSchema(), r.value());
                    FileRecord file = fileTopics.contains(r.topic()) ? fileRecord(value, frameLimit) : null;
                    routed = Routing.routed(tp, offset, r.timestamp() == null ? -1L : r.timestamp(), key, value, subjects,
                            fileTopics);
                    if (file == null && routed.size() > frameLimit) {
                        throw new DataException("record of " + routed.size() + " bytes does not fit in one message to peers ("
                                + SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG + " = " + config.limits().maxFrameBytes() + ")");
                    }
                    if (files != null && file instanceof FileRecord.Chunk c) {
                        files.chunk(c, r.topic(), r.kafkaPartition(), offset);
                    } else if (file instanceof FileRecord.Marker m) {
                        if (files != null) {
                            files.marker(m, r.topic(), r.kafkaPartition(), offset);
                        } else {
                            metrics.fileMarker();
                        }
                    }
                } catch (DataException e) {
                    errant(r, e);
                    continue;
                }
                batch.add(routed);
            }
            hub.route(batch, positions);
            log.debug("routed {} of {} records", batch.size(), records.size());
        }
        applyPauses();
    }

    /** A files-topic value, checked: a chunk must fit one FILE_DELIVERY frame. */
    private static FileRecord fileRecord(byte[] value, int frameLimit) {
        FileRecord f;
        try {
            f = FileRecordJson.parse(value);
        } catch (ProtocolException e) {
            throw new DataException("a record of a files topic (" + SluiceSinkConfig.FILES_TOPICS_CONFIG + ") must be a file chunk "
                    + "or marker of the Sluice source: " + e.getMessage(), e);
        }
        if (f instanceof FileRecord.Chunk c) {
            try {
                c.toDelivery("t", 0, 0);
            } catch (IllegalArgumentException e) {
                throw new DataException("a file chunk whose " + e.getMessage() + " cannot go to peers", e);
            }
            long frame = 80L + c.data().length + c.device().length() + c.fileId().length()
                    + Math.min(3L * c.name().length(), io.sluice.protocol.ProtocolLimits.MAX_FILE_NAME_BYTES);
            if (frame > frameLimit) {
                throw new DataException("a chunk of " + c.data().length + " bytes does not fit in one FILE_DELIVERY frame to peers ("
                        + SluiceSinkConfig.FRAME_MAX_BYTES_CONFIG + " = " + (frameLimit + FRAME_SLACK_BYTES)
                        + "); raise it or lower the source's files.chunk.max.bytes");
            }
        }
        return f;
    }

    private void errant(SinkRecord r, DataException e) {
        metrics.errant();
        ErrantRecordReporter reporter = null;
        try {
            reporter = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError | UnsupportedOperationException ignored) {
            // older worker: no reporter
        }
        String where = r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset();
        if (reporter == null) {
            throw new ConnectException("record " + where + " cannot be delivered to peers: " + e.getMessage()
                    + " (set errors.tolerance=all and errors.deadletterqueue.topic.name to send such records to a dead "
                    + "letter queue instead of failing)", e);
        }
        log.debug("record {} sent to the errant record reporter: {}", where, e.getMessage());
        reporter.report(r, e);
    }

    /** Pauses the partitions feeding slow peers, resumes the others; from put() and preCommit(). */
    private void applyPauses() {
        PartitionPauses.Changes c = pauses.update(hub.partitionsToPause(), context.assignment(), clock.millis());
        c.pausedMs().forEach(metrics::paused);
        if (!c.pause().isEmpty()) {
            log.info("pausing {} for slow peers", c.pause());
            context.pause(c.pause().toArray(new TopicPartition[0]));
        }
        if (!c.resume().isEmpty()) {
            log.info("resuming {}: peers caught up", c.resume());
            context.resume(c.resume().toArray(new TopicPartition[0]));
        }
        if (pauses.count() > 0) {
            // Connect polls for up to offset.flush.interval.ms when everything is paused: come back sooner
            context.timeout(PAUSED_POLL_MS);
        }
    }

    private long pausedCount() {
        return pauses.count();
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (files != null) {
            // events of files put so far are in Kafka before their markers' offsets are committed
            files.flush();
        }
        applyPauses();
        Map<TopicPartition, Long> current = new HashMap<>();
        currentOffsets.forEach((tp, om) -> current.put(tp, om.offset()));
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        hub.commitOffsets(current).forEach((tp, offset) -> out.put(tp, new OffsetAndMetadata(offset)));
        persistDurableAcks();
        log.debug("committing {}", out);
        return out;
    }

    @Override
    public void flush(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // delivery is asynchronous: preCommit decides what is safe to commit
    }

    @Override
    public void stop() {
        long t0 = System.nanoTime();
        if (hub != null) {
            hub.shutdown();
        }
        closeQuietly(directory, "endpoint directory");
        closeQuietly(server, "peer server");
        closeQuietly(dialer, "peer dialer");
        closeQuietly(replayer, "replay reader");
        closeQuietly(files, "file writer");
        files = null;
        closeQuietly(metrics, "metrics");
        directory = null;
        server = null;
        dialer = null;
        replayer = null;
        log.info("Sluice sink task stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static void closeQuietly(AutoCloseable c, String what) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing the {} failed: {}", what, e.toString());
        }
    }

    /** The port peers reach this task on (listen mode), for tests. */
    int port() {
        return server == null ? -1 : server.port();
    }

    PeerHub hub() {
        return hub;
    }

    FileSink files() {
        return files;
    }
}
