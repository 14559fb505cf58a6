package io.sluice.faults.stack;

import io.sluice.quickstart.accounting.TopicReader;
import io.sluice.quickstart.stack.AppProcesses;
import io.sluice.quickstart.stack.Broker;
import io.sluice.quickstart.stack.ConnectWorker;
import io.sluice.quickstart.stack.FailedTaskRestarter;
import io.sluice.quickstart.stack.HangingTransactionWatch;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.PidFiles;
import io.sluice.quickstart.stack.PropertiesFiles;
import io.sluice.quickstart.stack.StackException;
import io.sluice.quickstart.stack.StackLayout;
import io.sluice.quickstart.stack.StackTopics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * The whole stack as separate processes, started the way the quickstart starts it (broker,
 * distributed Connect worker with both plugins, Streams app, durable peer CLIs), with every
 * process reachable for faults: {@code kill -9}, SIGTERM, {@code kill -STOP}/{@code -CONT}, and a
 * restart on the same ports and data. Devices are not a process here: the caller runs a
 * {@link io.sluice.device.sim.DeviceFleet} in its own JVM, so it knows each device's sent and
 * acknowledged seqs.
 */
public final class FaultStack implements AutoCloseable {
    public static final String READINGS = StackTopics.READINGS;
    public static final String AGGREGATES = StackTopics.AGGREGATES;
    public static final String LATE = StackTopics.LATE;
    static final String SOURCE_CLASS = "io.sluice.source.SluiceSourceConnector";
    static final String SINK_CLASS = "io.sluice.sink.SluiceSinkConnector";

    /**
     * @param processingGuarantee the Streams app's: {@code exactly_once_v2} or {@code at_least_once}
     * @param exactlyOnceSource   the worker's {@code exactly.once.source.support=enabled}
     * @param peers               durable peer names (one peer CLI process each)
     */
    public record Settings(Path home, Path dataDir, String processingGuarantee, boolean exactlyOnceSource, Duration window,
            Duration grace, Duration idleClose, List<String> peers, Map<String, String> source, Map<String, String> sink,
            Map<String, String> streams) {

        public static Settings defaults(Path home, Path dataDir) {
            // 1 s windows closed per device (the app's default; 10 s grace for stream-time closing), idle close
            // after 30 s: longer than every stall a scenario makes upstream of the app (a worker stopped for 20 s,
            // a broker restart), since a quiet, caught-up partition is closed as idle and readings held back
            // longer than that for a window it closed arrive late (counted, not lost).
            return new Settings(home, dataDir, "exactly_once_v2", true, Duration.ofSeconds(1), Duration.ofSeconds(10),
                    Duration.ofSeconds(30), List.of("peer-a"), Map.of(), Map.of(), Map.of());
        }

        /** The device grace when the app closes windows per device (its default); negative when by stream time. */
        public long deviceGraceMs() {
            if ("stream_time".equalsIgnoreCase(streams.getOrDefault("window.close", "per_device"))) {
                return -1;
            }
            return Long.parseLong(streams.getOrDefault("window.device.grace.ms", "0"));
        }

        public Settings withGuarantee(String g) {
            return new Settings(home, dataDir, g, exactlyOnceSource, window, grace, idleClose, peers, source, sink, streams);
        }

        public Settings withPeers(List<String> p) {
            return new Settings(home, dataDir, processingGuarantee, exactlyOnceSource, window, grace, idleClose, p, source, sink,
                    streams);
        }

        public Settings withSource(Map<String, String> s) {
            return new Settings(home, dataDir, processingGuarantee, exactlyOnceSource, window, grace, idleClose, peers, s, sink,
                    streams);
        }

        public Settings withExactlyOnceSource(boolean on) {
            return new Settings(home, dataDir, processingGuarantee, on, window, grace, idleClose, peers, source, sink, streams);
        }

        public Settings withSink(Map<String, String> s) {
            return new Settings(home, dataDir, processingGuarantee, exactlyOnceSource, window, grace, idleClose, peers, source, s,
                    streams);
        }
    }

    /** The ports of one stack, all free when it started. */
    public record StackPorts(int broker, int controller, int connect, int device, int line, int peer, int connectJmx,
            int streamsJmx) {
        List<Integer> all() {
            return List.of(broker, controller, connect, device, line, peer, connectJmx, streamsJmx);
        }
    }

    private final Settings settings;
    private final StackLayout layout;
    private final StackPorts ports;
    private final PidFiles pids;
    private final String kafkaCp;
    private final String appCp;
    private final Path workerBase;
    private final Path brokerBase;
    private final Map<String, JavaProcess> peers = new LinkedHashMap<>();
    private final ConnectWorker rest;
    private JavaProcess controller;
    private JavaProcess broker;
    private JavaProcess worker;
    private JavaProcess streams;
    private FailedTaskRestarter restarter;
    private HangingTransactionWatch hangingWatch;
    private String sourceName;
    private String sinkName;

    private FaultStack(Settings settings) throws IOException {
        this.settings = settings;
        this.layout = new StackLayout(settings.home().toAbsolutePath().normalize(), settings.dataDir().toAbsolutePath());
        Files.createDirectories(layout.dataDir());
        this.pids = new PidFiles(layout.dataDir());
        pids.stopLeftovers();
        List<Integer> p = freePorts(8);
        this.ports = new StackPorts(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7));
        this.kafkaCp = layout.classpath("kafka-classpath.txt");
        this.appCp = layout.classpath("app-classpath.txt");
        Map<String, String> w = new LinkedHashMap<>(PropertiesFiles.read(layout.config("worker.properties")));
        // a restarted worker gets its tasks back at once instead of after the default 5 minutes' wait for the old member
        w.put("scheduled.rebalance.max.delay.ms", "1000");
        // a killed worker's sink consumer leaves the group after 10 s instead of the 45 s default
        w.put("consumer.session.timeout.ms", "10000");
        w.put("consumer.heartbeat.interval.ms", "3000");
        // a restarted worker does not wait the default 60 s for the killed one to rejoin the worker group
        w.put("rebalance.timeout.ms", "20000");
        if (settings.exactlyOnceSource()) {
            w.put("exactly.once.source.support", "enabled");
            // A killed worker's open transaction holds the offsets topic (read committed) until it times out, and a
            // restarted worker reads that topic before it starts anything: 10 s instead of the producer's 60 s. A
            // transaction that outlives it (a broker down longer) is aborted and its task fails; the launcher's
            // restarter brings it back.
            w.put("producer.transaction.timeout.ms", "10000");
        }
        this.workerBase = PropertiesFiles.write(layout.dataDir().resolve("etc/faults-worker-base.properties"), w, "worker for faults");
        this.brokerBase = layout.config("broker.properties");
        this.rest = new ConnectWorker("http://127.0.0.1:" + ports.connect());
    }

    /** Starts the broker, topics, worker, both connectors, the Streams app and the peers; waits until each is up. */
    public static FaultStack start(Settings settings) throws Exception {
        FaultStack s = new FaultStack(settings);
        try {
            s.controller = s.track(Broker.startController(s.kafkaSettings()));
            s.startBroker();
            StackTopics.create(s.bootstrapServers());
            s.startWorker();
            s.deployConnectors();
            s.startStreams();
            for (String peer : settings.peers()) {
                s.startPeer(peer);
            }
            s.awaitPeersKnown(Duration.ofSeconds(120));
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    public StackPorts ports() {
        return ports;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + ports.broker();
    }

    public InetSocketAddress deviceEndpoint() {
        return new InetSocketAddress("127.0.0.1", ports.device());
    }

    public Settings settings() {
        return settings;
    }

    public StackLayout layout() {
        return layout;
    }

    public JavaProcess broker() {
        return broker;
    }

    public JavaProcess controller() {
        return controller;
    }

    public JavaProcess worker() {
        return worker;
    }

    public JavaProcess streams() {
        return streams;
    }

    public JavaProcess peer(String name) {
        return peers.get(name);
    }

    public String sinkName() {
        return sinkName;
    }

    public String sourceName() {
        return sourceName;
    }

    /**
     * Caps what the source task's producer may write ({@code producer_byte_rate} quota on its
     * client id, {@code connector-producer-<name>-0}: one task): a stand-in for a slower pipeline,
     * so that devices can ask for many times what gets through. {@code bytesPerSecond} &lt;= 0
     * removes the cap.
     */
    public void capSource(long bytesPerSecond) throws Exception {
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "connector-producer-" + sourceName + "-0"));
        ClientQuotaAlteration.Op op = new ClientQuotaAlteration.Op("producer_byte_rate",
                bytesPerSecond > 0 ? (double) bytesPerSecond : null);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(op)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Bytes per record of the readings topic so far (log size over records, batch overhead included). */
    public double readingsBytesPerRecord() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            long bytes = 0;
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (var dir : admin.describeLogDirs(List.of(1)).allDescriptions().get(30, TimeUnit.SECONDS).get(1).values()) {
                for (var e : dir.replicaInfos().entrySet()) {
                    if (e.getKey().topic().equals(READINGS)) {
                        bytes += e.getValue().size();
                        latest.put(e.getKey(), OffsetSpec.latest());
                    }
                }
            }
            long records = 0;
            for (var info : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values()) {
                records += info.offset();
            }
            return records == 0 ? 0 : bytes / (double) records;
        }
    }

    public ConnectWorker rest() {
        return rest;
    }

    public Path peerOutput(String name) {
        return layout.dataDir().resolve("peers").resolve(name + ".ndjson");
    }

    public Map<String, Path> peerOutputs() {
        Map<String, Path> m = new LinkedHashMap<>();
        settings.peers().forEach(p -> m.put(p, peerOutput(p)));
        return m;
    }

    private Broker.Settings kafkaSettings() {
        return new Broker.Settings(layout.dataDir(), ports.broker(), ports.controller(), brokerBase, kafkaCp, "512m");
    }

    /** Starts the broker (again); the controller runs from {@link #start} to {@link #close}. */
    public void startBroker() throws IOException, InterruptedException {
        broker = track(Broker.start(kafkaSettings()));
        if (hangingWatch == null) {
            hangingWatch = HangingTransactionWatch.start(bootstrapServers(), line -> System.out.println("  ! " + line));
        }
    }

    /** Hanging transactions found on the broker so far (partitions). */
    public int hangingTransactionsFound() {
        return hangingWatch == null ? 0 : hangingWatch.found();
    }

    public void startWorker() throws IOException, InterruptedException {
        String pluginPath = layout.pluginFolder("source-connector") + "," + layout.pluginFolder("sink-connector");
        worker = track(ConnectWorker.start(new ConnectWorker.Settings(layout.dataDir(), ports.connect(), bootstrapServers(), workerBase,
                Path.of(pluginPath), kafkaCp, "512m", ports.connectJmx())));
        rest.awaitPlugins(List.of(SOURCE_CLASS, SINK_CLASS), worker, Duration.ofSeconds(120));
    }

    /** Waits until both connectors and their tasks run again (after a worker restart). */
    public void awaitConnectorsRunning(Duration timeout) throws InterruptedException {
        rest.awaitRunning(sourceName, timeout);
        rest.awaitRunning(sinkName, timeout);
    }

    private void deployConnectors() throws IOException, InterruptedException {
        Path sourceProps = layout.config("source-connector.properties");
        Path sinkProps = layout.config("sink-connector.properties");
        sourceName = PropertiesFiles.read(sourceProps).get("name");
        sinkName = PropertiesFiles.read(sinkProps).get("name");
        Map<String, String> src = new LinkedHashMap<>(Map.of("topic", READINGS, "listen.address", "127.0.0.1", "listen.port",
                Integer.toString(ports.device()), "line.listen.port", Integer.toString(ports.line())));
        if (settings.exactlyOnceSource()) {
            // line mode has neither resends nor acknowledgements: the source is exactly-once capable without it
            src.put("line.listen.port", "-1");
            src.put("exactly.once.support", "required");
        }
        src.putAll(settings.source());
        rest.deploy(sourceProps, src);
        Map<String, String> sink = new LinkedHashMap<>(Map.of("topics", AGGREGATES, "kafka.bootstrap.servers", bootstrapServers(),
                "peer.listener.host", "127.0.0.1", "peer.listener.port", Integer.toString(ports.peer())));
        sink.putAll(settings.sink());
        rest.deploy(sinkProps, sink);
        awaitConnectorsRunning(Duration.ofSeconds(90));
        restarter = FailedTaskRestarter.start(rest, List.of(sourceName, sinkName), line -> System.out.println("  ! " + line));
    }

    /** Failed connectors and tasks the launcher restarted so far, by connector. */
    public Map<String, Integer> taskRestarts() {
        return restarter == null ? Map.of() : restarter.restarts();
    }

    public void startStreams() throws IOException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bootstrap.servers", bootstrapServers());
        s.put("application.id", "sluice-faults");
        s.put("processing.guarantee", settings.processingGuarantee());
        s.put("input.topic", READINGS);
        s.put("output.topic", AGGREGATES);
        s.put("late.topic", LATE);
        s.put("state.dir", layout.dataDir().resolve("streams-state").toString());
        s.put("window.type", "tumbling");
        s.put("window.size.ms", Long.toString(settings.window().toMillis()));
        s.put("window.grace.ms", Long.toString(settings.grace().toMillis()));
        s.put("emit", "final");
        s.put("idle.close.ms", Long.toString(settings.idleClose().toMillis()));
        s.put("idle.check.interval.ms", "500");
        s.put("backpressure.downstream.group", "connect-" + sinkName);
        // a killed instance's partitions go to its successor after this, not after the 45 s default
        s.put("streams.session.timeout.ms", "10000");
        s.put("streams.heartbeat.interval.ms", "2000");
        s.putAll(settings.streams());
        streams = track(AppProcesses.streams(layout, appCp, layout.config("streams-app.properties"), s, ports.streamsJmx()));
    }

    public void startPeer(String name) throws IOException {
        Path dir = layout.dataDir().resolve("peers");
        Files.createDirectories(dir);
        JavaProcess p = AppProcesses.peer(layout, appCp, List.of("--connect", "127.0.0.1:" + ports.peer(), "--topic", AGGREGATES,
                "--name", name, "--out", peerOutput(name).toString(), "--cursor-file", dir.resolve(name + "-cursors.json").toString(),
                "--progress", "0s"));
        peers.put(name, track(p));
    }

    /**
     * Waits until the sink has recorded every durable peer in its endpoints topic. A durable peer is
     * owed what the sink reads from its first subscription on: one still in its reconnect back-off
     * when the first aggregates are delivered and the worker is killed would miss them, by design.
     */
    private void awaitPeersKnown(Duration timeout) throws InterruptedException {
        String topic = settings.sink().getOrDefault("peer.endpoints.topic", "_sluice-sink-endpoints");
        Set<String> missing = new TreeSet<>();
        settings.peers().forEach(p -> missing.add(sinkName + "/peer/" + p));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            TopicReader.readAll(bootstrapServers(), topic, false, r -> {
                if (r.key() != null && r.value() != null) {
                    missing.remove(new String(r.key(), StandardCharsets.UTF_8));
                }
            });
            if (missing.isEmpty()) {
                return;
            }
            requireAlive();
            if (System.nanoTime() > deadline) {
                throw new StackException("the sink did not record the durable peers " + missing + " within " + timeout.toSeconds()
                        + " s; last lines of " + layout.dataDir().resolve("logs/peer.log") + " tell why");
            }
            Thread.sleep(500);
        }
    }

    /** Fails with the process's last log lines if one of the stack's processes has ended. */
    public void requireAlive() {
        List<JavaProcess> all = new ArrayList<>(Arrays.asList(controller, broker, worker, streams));
        all.addAll(peers.values());
        for (JavaProcess p : all) {
            if (p != null && !p.isAlive()) {
                throw new StackException(p.name() + " exited unexpectedly; last lines of " + p.logFile() + ":\n" + p.tail(25));
            }
        }
    }

    private JavaProcess track(JavaProcess p) {
        pids.write(p);
        return p;
    }

    /** Stops every process (peers, Streams app, worker, broker, controller), continuing stopped ones first. */
    @Override
    public void close() {
        if (restarter != null) {
            restarter.close();
        }
        if (hangingWatch != null) {
            hangingWatch.close();
        }
        List<JavaProcess> order = new ArrayList<>(peers.values());
        order.add(streams);
        order.add(worker);
        order.add(broker);
        order.add(controller);
        for (JavaProcess p : order) {
            if (p == null) {
                continue;
            }
            if (p.isAlive()) {
                try {
                    p.signal("CONT");
                } catch (IOException | InterruptedException e) {
                    // it may have just ended
                }
            }
            p.stop(Duration.ofSeconds(20));
            pids.remove(p);
        }
    }

    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        List<Integer> out = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(s);
                out.add(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
        return out;
    }
}
