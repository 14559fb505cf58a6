package io.sluice.bench;

import io.sluice.quickstart.stack.Broker;
import io.sluice.quickstart.stack.ConnectWorker;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.Jmx;
import io.sluice.quickstart.stack.StackException;
import io.sluice.quickstart.stack.StackLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The real stack the benchmark measures on: a KRaft broker and a distributed Connect worker as
 * processes of their own (the quickstart's stack classes), with JMX on loopback so the harness
 * can read their heap; the Sluice plugins and the do-nothing sink on {@code plugin.path}.
 * Everything it starts is stopped by {@link #close()}.
 */
public final class BenchStack implements AutoCloseable {
    static final String SOURCE_CLASS = "io.sluice.source.SluiceSourceConnector";
    static final String SINK_CLASS = "io.sluice.sink.SluiceSinkConnector";
    static final String COUNTING_SINK_CLASS = "io.sluice.bench.sink.CountingSinkConnector";

    private final StackLayout layout;
    private final List<JavaProcess> processes = new ArrayList<>();
    private final String kafkaClasspath;
    private final String benchClasspath;
    private JavaProcess broker;
    private JavaProcess worker;
    private int brokerJmx;
    private int workerJmx;
    private String bootstrap;
    private ConnectWorker connect;
    private Admin admin;

    BenchStack(Path home, Path dataDir) {
        this.layout = new StackLayout(home, dataDir);
        this.kafkaClasspath = layout.classpath("kafka-classpath.txt");
        this.benchClasspath = benchClasspath(home);
    }

    /** The bench module's classes and its runtime classpath (for child JVMs: Streams topologies, JMH forks). */
    static String benchClasspath(Path home) {
        Path file = home.resolve("bench/target/bench-classpath.txt");
        try {
            return home.resolve("bench/target/classes") + java.io.File.pathSeparator + Files.readString(file).trim();
        } catch (IOException e) {
            throw new StackException("missing " + file + ": build the bench module first (./sluice bench builds it)", e);
        }
    }

    void start(String brokerHeap, String workerHeap) throws IOException, InterruptedException {
        Files.createDirectories(layout.dataDir());
        int port = freePort();
        int controller = freePort();
        brokerJmx = freePort();
        Broker.Settings kafka = new Broker.Settings(layout.dataDir().resolve("broker"), port, controller,
                layout.config("broker.properties"), kafkaClasspath, brokerHeap, brokerJmx);
        track(Broker.startController(kafka));
        broker = track(Broker.start(kafka));
        bootstrap = "127.0.0.1:" + port;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        int rest = freePort();
        workerJmx = freePort();
        String pluginPath = layout.pluginFolder("source-connector") + "," + layout.pluginFolder("sink-connector") + ","
                + layout.home().resolve("bench/target/plugins/sluice-bench-counting-sink");
        worker = track(ConnectWorker.start(new ConnectWorker.Settings(layout.dataDir().resolve("connect"), rest, bootstrap,
                layout.config("worker.properties"), Path.of(pluginPath), kafkaClasspath, workerHeap, workerJmx)));
        connect = new ConnectWorker("http://127.0.0.1:" + rest);
        connect.awaitPlugins(List.of(SOURCE_CLASS, SINK_CLASS, COUNTING_SINK_CLASS), worker, Duration.ofSeconds(120));
    }

    JavaProcess track(JavaProcess p) {
        processes.add(p);
        return p;
    }

    String bootstrap() {
        return bootstrap;
    }

    ConnectWorker connect() {
        return connect;
    }

    JavaProcess broker() {
        return broker;
    }

    JavaProcess worker() {
        return worker;
    }

    int brokerJmx() {
        return brokerJmx;
    }

    int workerJmx() {
        return workerJmx;
    }

    StackLayout layout() {
        return layout;
    }

    String kafkaClasspath() {
        return kafkaClasspath;
    }

    String benchClasspath() {
        return benchClasspath;
    }

    Admin admin() {
        return admin;
    }

    void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new StackException("cannot create topic " + name + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the benchmark's data topics between parts so the broker's page cache and disk stay small. */
    void deleteTopics(List<String> names) {
        try {
            admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a topic already gone is fine
        }
    }

    /** Runs one of Kafka's tools (ProducerPerformance, ConsumerPerformance) as a process of its own; its output. */
    String kafkaTool(String name, String mainClass, List<String> args, Duration timeout) throws IOException, InterruptedException {
        Path log = layout.logs().resolve(name + ".log");
        Files.deleteIfExists(log);
        Path log4j = writeQuietLog4j();
        JavaProcess p = track(JavaProcess.start(new JavaProcess.Spec(name, kafkaClasspath, mainClass,
                List.of("-Xmx512m", "-Dlog4j2.configurationFile=" + log4j), args, log, layout.dataDir())));
        int exit = p.waitFor(timeout);
        processes.remove(p);
        if (exit != 0) {
            p.stop(Duration.ofSeconds(5));
            throw new StackException(name + " failed (exit " + exit + "):\n" + p.tail(20));
        }
        return Files.readString(log);
    }

    private Path writeQuietLog4j() throws IOException {
        Path f = layout.dataDir().resolve("etc/log4j2-tools.xml");
        if (!Files.exists(f)) {
            Files.createDirectories(f.getParent());
            Files.writeString(f, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Configuration status="WARN">
                      <Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%d %-5level %c{1.} - %msg%n"/></Console></Appenders>
                      <Loggers><Root level="WARN"><AppenderRef ref="err"/></Root></Loggers>
                    </Configuration>
                    """);
        }
        return f;
    }

    /** A child JVM on the bench classpath (a Streams topology). */
    JavaProcess startBenchChild(String name, String mainClass, List<String> jvm, List<String> args) throws IOException {
        List<String> opts = new ArrayList<>(jvm);
        opts.add("-Dlog4j2.configurationFile=" + writeQuietLog4j());
        return track(JavaProcess.start(new JavaProcess.Spec(name, benchClasspath, mainClass, opts, args,
                layout.logs().resolve(name + ".log"), layout.dataDir())));
    }

    void forget(JavaProcess p) {
        processes.remove(p);
    }

    /** Heap used of a process with JMX on {@code port}, in bytes (NaN if unreachable). */
    static double heapUsed(Jmx jmx) {
        try {
            return jmx.compositeNumber(new javax.management.ObjectName("java.lang:type=Memory"), "HeapMemoryUsage", "used");
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Resident set size of a process, in bytes, from /proc (-1 where there is none). */
    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return -1;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).stop(Duration.ofSeconds(20));
        }
        processes.clear();
    }
}
