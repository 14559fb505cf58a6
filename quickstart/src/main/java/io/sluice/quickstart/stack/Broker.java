package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * The launcher's Kafka: one KRaft controller and one broker ({@code kafka.Kafka}), each its own
 * process, so the broker can be stopped or killed while the controller keeps the cluster's
 * metadata. In one combined process a restarted node finds its old registration still live and
 * is fenced a few seconds after it started; its transaction coordinator, already sending the
 * markers of transactions it was committing, then sees their partitions without a leader and
 * skips the markers as if the partitions had been deleted, leaving those transactions hanging for
 * every read-committed reader (KAFKA-20734). With the controller apart, it fences the stopped
 * broker while it is down and the restarted one registers afresh. Storage is formatted on the
 * first run only, so data and topics survive a restart.
 */
public final class Broker {
    private Broker() {
    }

    /** Where and how: the data folder, the two ports, the user's broker properties; JMX on {@code jmxPort} if above 0. */
    public record Settings(Path dataDir, int port, int controllerPort, Path baseProperties, String classpath, String heap,
            int jmxPort) {
        public Settings(Path dataDir, int port, int controllerPort, Path baseProperties, String classpath, String heap) {
            this(dataDir, port, controllerPort, baseProperties, classpath, heap, 0);
        }

        public String bootstrapServers() {
            return "127.0.0.1:" + port;
        }
    }

    /** Node id of the broker; the controller's is {@link #CONTROLLER_NODE_ID}. */
    public static final int BROKER_NODE_ID = 1;
    public static final int CONTROLLER_NODE_ID = 1000;

    /**
     * Starts the KRaft controller (formatting its storage on the first run) and waits until it
     * listens. Start it before {@link #start} and stop it after the broker.
     */
    public static JavaProcess startController(Settings s) throws IOException, InterruptedException {
        Ports.requireFree(s.controllerPort(), "KRaft controller");
        Path metadataDir = s.dataDir().resolve("kafka-controller");
        if (!Files.exists(metadataDir.resolve("meta.properties")) && Files.exists(s.dataDir().resolve("kafka-logs/meta.properties"))) {
            throw new StackException(s.dataDir() + " holds a Kafka node of an earlier layout (broker and controller in one "
                    + "process); remove the folder (its topics go with it) or use another --data-dir");
        }
        Path controllerProps = writeNodeProperties(s, "controller.properties", "controller", CONTROLLER_NODE_ID, metadataDir, Map.of(
                "listeners", "CONTROLLER://" + controllerAddress(s),
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT"));
        Path log4j = Log4jConfig.write(s.dataDir().resolve("etc"), "controller", "INFO");
        if (!Files.exists(metadataDir.resolve("meta.properties"))) {
            format(s, controllerProps, log4j, "controller", List.of("--standalone", "-t", Uuid.randomUuid().toString(),
                    "--feature", "transaction.version=1"));
        }
        JavaProcess controller = JavaProcess.start(new JavaProcess.Spec("controller", s.classpath(), "kafka.Kafka",
                List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + log4j), List.of(controllerProps.toString()),
                s.dataDir().resolve("logs/controller.log"), s.dataDir()));
        Ports.awaitOpen(s.controllerPort(), controller, Duration.ofSeconds(60));
        return controller;
    }

    /** Starts the broker (formatting its storage on the first run) against the running controller; waits until it serves. */
    public static JavaProcess start(Settings s) throws IOException, InterruptedException {
        Ports.requireFree(s.port(), "Kafka broker");
        Path logDir = s.dataDir().resolve("kafka-logs");
        Path serverProps = writeNodeProperties(s, "server.properties", "broker", BROKER_NODE_ID, logDir, Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + s.port(),
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + s.port(),
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"));
        Path log4j = Log4jConfig.write(s.dataDir().resolve("etc"), "broker", "INFO");
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(s, serverProps, log4j, "broker", List.of("-t", clusterId(s)));
        }
        JavaProcess broker = JavaProcess.start(new JavaProcess.Spec("broker", s.classpath(), "kafka.Kafka",
                Jmx.options(s.jmxPort(), List.of("-Xmx" + s.heap(), "-Dlog4j2.configurationFile=" + log4j)),
                List.of(serverProps.toString()),
                s.dataDir().resolve("logs/broker.log"), s.dataDir()));
        Ports.awaitOpen(s.port(), broker, Duration.ofSeconds(60));
        awaitReady(s.bootstrapServers(), broker);
        return broker;
    }

    /** The user's broker properties with what makes them one node of the launcher's cluster, written under etc/. */
    private static Path writeNodeProperties(Settings s, String fileName, String role, int nodeId, Path dataDir,
            Map<String, String> listeners) {
        Map<String, String> node = new HashMap<>(listeners);
        node.put("process.roles", role);
        node.put("node.id", Integer.toString(nodeId));
        node.put("controller.quorum.bootstrap.servers", controllerAddress(s));
        node.put("controller.listener.names", "CONTROLLER");
        node.put("log.dirs", dataDir.toAbsolutePath().toString());
        return PropertiesFiles.write(s.dataDir().resolve("etc").resolve(fileName),
                PropertiesFiles.merge(PropertiesFiles.read(s.baseProperties()), node),
                "generated from " + s.baseProperties() + " by the Sluice launcher");
    }

    private static String controllerAddress(Settings s) {
        return "127.0.0.1:" + s.controllerPort();
    }

    /** The cluster id the controller's storage was formatted with: the broker's storage must carry the same. */
    private static String clusterId(Settings s) throws IOException {
        Path meta = s.dataDir().resolve("kafka-controller/meta.properties");
        String id = PropertiesFiles.read(meta).get("cluster.id");
        if (id == null) {
            throw new StackException("no cluster.id in " + meta + ": start the controller first");
        }
        return id;
    }

    private static void format(Settings s, Path props, Path log4j, String node, List<String> options)
            throws IOException, InterruptedException {
        Path log = s.dataDir().resolve("logs/format-" + node + ".log");
        List<String> args = new ArrayList<>(List.of("format", "-c", props.toString()));
        args.addAll(options);
        JavaProcess fmt = JavaProcess.start(new JavaProcess.Spec("storage format (" + node + ")", s.classpath(),
                "kafka.tools.StorageTool", List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + log4j), args, log, s.dataDir()));
        int exit = fmt.waitFor(Duration.ofSeconds(60));
        if (exit != 0) {
            throw new StackException("formatting the " + node + " storage failed (exit " + exit + "):\n" + fmt.tail(20));
        }
    }

    private static void awaitReady(String bootstrap, JavaProcess broker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
            while (System.nanoTime() < deadline) {
                if (!broker.isAlive()) {
                    throw new StackException("the broker exited during start-up:\n" + broker.tail(20));
                }
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    Thread.sleep(300);
                }
            }
        }
        throw new StackException("the broker did not become ready within 60 s:\n" + broker.tail(20));
    }
}
