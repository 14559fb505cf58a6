package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node KRaft broker ({@code kafka.Kafka}, broker and controller in one process). Its
 * storage is formatted on the first run only, so data and topics survive a restart.
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

    public static JavaProcess start(Settings s) throws IOException, InterruptedException {
        Ports.requireFree(s.port(), "Kafka broker");
        Ports.requireFree(s.controllerPort(), "KRaft controller");
        Path logDir = s.dataDir().resolve("kafka-logs");
        Map<String, String> props = PropertiesFiles.merge(PropertiesFiles.read(s.baseProperties()), Map.of(
                "process.roles", "broker,controller",
                "node.id", "1",
                "controller.quorum.bootstrap.servers", "127.0.0.1:" + s.controllerPort(),
                "listeners", "PLAINTEXT://127.0.0.1:" + s.port() + ",CONTROLLER://127.0.0.1:" + s.controllerPort(),
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + s.port(),
                "controller.listener.names", "CONTROLLER",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs", logDir.toAbsolutePath().toString()));
        Path serverProps = PropertiesFiles.write(s.dataDir().resolve("etc/server.properties"), props,
                "generated from " + s.baseProperties() + " by the Sluice quickstart");
        Path log4j = Log4jConfig.write(s.dataDir().resolve("etc"), "broker", "INFO");
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(s, serverProps, log4j);
        }
        JavaProcess broker = JavaProcess.start(new JavaProcess.Spec("broker", s.classpath(), "kafka.Kafka",
                Jmx.options(s.jmxPort(), List.of("-Xmx" + s.heap(), "-Dlog4j2.configurationFile=" + log4j)),
                List.of(serverProps.toString()),
                s.dataDir().resolve("logs/broker.log"), s.dataDir()));
        Ports.awaitOpen(s.port(), broker, Duration.ofSeconds(60));
        awaitReady(s.bootstrapServers(), broker);
        return broker;
    }

    private static void format(Settings s, Path serverProps, Path log4j) throws IOException, InterruptedException {
        Path log = s.dataDir().resolve("logs/format.log");
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        JavaProcess fmt = JavaProcess.start(new JavaProcess.Spec("storage format", s.classpath(), "kafka.tools.StorageTool",
                List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + log4j),
                List.of("format", "--standalone", "-t", clusterId, "-c", serverProps.toString(), "--feature", "transaction.version=1"), log, s.dataDir()));
        int exit = fmt.waitFor(Duration.ofSeconds(60));
        if (exit != 0) {
            throw new StackException("formatting the broker storage failed (exit " + exit + "):\n" + fmt.tail(20));
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
