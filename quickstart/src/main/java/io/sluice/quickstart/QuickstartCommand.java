package io.sluice.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.cli.DurationConverter;
import io.sluice.protocol.json.Json;
import io.sluice.quickstart.accounting.Accounting;
import io.sluice.quickstart.stack.AppProcesses;
import io.sluice.quickstart.stack.Broker;
import io.sluice.quickstart.stack.ConnectWorker;
import io.sluice.quickstart.stack.FailedTaskRestarter;
import io.sluice.quickstart.stack.HangingTransactionWatch;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.PidFiles;
import io.sluice.quickstart.stack.Ports;
import io.sluice.quickstart.stack.PropertiesFiles;
import io.sluice.quickstart.stack.StackException;
import io.sluice.quickstart.stack.StackLayout;
import io.sluice.quickstart.stack.StackTopics;
import io.sluice.quickstart.view.Collector;
import io.sluice.quickstart.view.LiveView;
import io.sluice.quickstart.view.PeerOutput;
import io.sluice.quickstart.view.Snapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice quickstart}: starts the whole stack as separate processes on 127.0.0.1 — a
 * KRaft broker, a distributed Connect worker with both Sluice connectors, the Streams app,
 * simulated devices and one durable peer — shows a live view once a second, and at the end (the
 * duration, or Ctrl-C) stops every process in order and prints the final accounting.
 */
@Command(name = "sluice quickstart", mixinStandardHelpOptions = true, versionProvider = QuickstartCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Run the whole Sluice stack locally with simulated devices and a peer, then account for every reading.")
public final class QuickstartCommand implements Callable<Integer> {
    static final String READINGS = StackTopics.READINGS;
    static final String AGGREGATES = StackTopics.AGGREGATES;
    static final List<String> TOPICS = StackTopics.ALL;
    static final String SOURCE_CLASS = "io.sluice.source.SluiceSourceConnector";
    static final String SINK_CLASS = "io.sluice.sink.SluiceSinkConnector";

    @Option(names = {"-n", "--devices"}, defaultValue = "20", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = {"-r", "--rate"}, defaultValue = "2000", description = "Readings per second over all devices (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = {"-d", "--duration"}, converter = DurationConverter.class, defaultValue = "60s",
            description = "How long the devices send; 0 = until Ctrl-C (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = {"-w", "--window"}, converter = DurationConverter.class, defaultValue = "10s",
            description = "Tumbling window size of the Streams app (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka instead of starting a broker.")
    String bootstrapServers;

    @Option(names = "--connect-url", description = "Use this Connect worker (with both Sluice plugins installed) instead of starting one.")
    String connectUrl;

    @Option(names = "--data-dir", description = "Broker storage, state, logs and outputs (default: <home>/.sluice/quickstart).")
    Path dataDir;

    @Option(names = "--home", defaultValue = ".", description = "The Sluice checkout (config/, built modules).")
    Path home;

    @Option(names = "--broker-port", defaultValue = "9092") int brokerPort;
    @Option(names = "--controller-port", defaultValue = "9093") int controllerPort;
    @Option(names = "--connect-port", defaultValue = "8083") int connectPort;
    @Option(names = "--device-port", defaultValue = "7000", description = "Framed device port of the source (default: ${DEFAULT-VALUE}).") int devicePort;
    @Option(names = "--line-port", defaultValue = "7001", description = "Line-mode (NDJSON) port of the source (default: ${DEFAULT-VALUE}).") int linePort;
    @Option(names = "--peer-port", defaultValue = "7071", description = "Peer port of the sink (default: ${DEFAULT-VALUE}).") int peerPort;
    @Option(names = "--connect-jmx-port", defaultValue = "9581") int connectJmxPort;
    @Option(names = "--streams-jmx-port", defaultValue = "9582") int streamsJmxPort;

    @Option(names = "--view", defaultValue = "auto",
            description = "auto (redraw on a terminal, lines otherwise), redraw or lines (default: ${DEFAULT-VALUE}).")
    String view;

    @Option(names = "--settle-timeout", converter = DurationConverter.class,
            description = "After the devices stop, how long to wait for the last windows to reach the peer "
                    + "(default: window + grace + idle close + 30s).")
    Duration settleTimeout;

    private final PrintStream out;
    private final List<JavaProcess> started = new ArrayList<>();
    /** Connectors deployed to a Connect worker given by --connect-url: removed again at the end. */
    private final List<String> deployedExternally = new ArrayList<>();
    private ConnectWorker externalConnect;
    private FailedTaskRestarter restarter;
    private HangingTransactionWatch hangingWatch;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private PidFiles pids;

    public QuickstartCommand() {
        this(System.out);
    }

    QuickstartCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new QuickstartCommand()).execute(args));
    }

    /** The command line with start-up problems reported as one message, not a stack trace. */
    static CommandLine commandLine(QuickstartCommand command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof StackException) {
                cmd.getErr().println("sluice quickstart: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        home = home.toAbsolutePath().normalize();
        StackLayout layout = new StackLayout(home, (dataDir != null ? dataDir : home.resolve(".sluice/quickstart")).toAbsolutePath());
        Files.createDirectories(layout.dataDir());
        pids = new PidFiles(layout.dataDir());
        for (String leftover : pids.stopLeftovers()) {
            out.println("stopped a process left by an earlier run: " + leftover);
        }
        int run = nextRun(layout.dataDir());
        String prefix = "q" + run + "-";
        // windows close per device (the app's default), so one device's readings that reach the source
        // seconds after others' are not late; the grace is for window.close=stream_time. Idle close must
        // outlast a stall upstream (the source task starting, a worker restart): a quiet, caught-up
        // partition is closed as idle, and readings held back longer than that for a window it closed are late
        long grace = Math.min(10_000, Math.max(2000, window.toMillis()));
        long idleClose = Math.max(10_000, window.toMillis());
        Duration settle = settleTimeout != null ? settleTimeout : Duration.ofMillis(window.toMillis() + grace + idleClose + 30_000);

        Thread hook = new Thread(() -> {
            stopRequested = true;
            try {
                finished.await(3, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-quickstart-stop");
        Runtime.getRuntime().addShutdownHook(hook);

        out.printf("Sluice quickstart, run %d: %d devices at %,.0f readings/s for %s, %d s tumbling windows; data in %s%n",
                run, devices, rate, duration.isZero() ? "until Ctrl-C" : duration.toSeconds() + " s", window.toSeconds(),
                layout.dataDir());
        try {
            return runStack(layout, run, prefix, grace, idleClose, settle);
        } finally {
            if (restarter != null) {
                restarter.close();
            }
            if (hangingWatch != null) {
                hangingWatch.close();
            }
            stopAll(layout);
            removeExternalConnectors();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for 'finished'
            }
        }
    }

    private int runStack(StackLayout layout, int run, String prefix, long grace, long idleClose, Duration settle) throws Exception {
        checkPorts();
        String kafkaCp = layout.classpath("kafka-classpath.txt");
        String appCp = layout.classpath("app-classpath.txt");
        String bootstrap = bootstrapServers;
        if (bootstrap == null) {
            step("starting Kafka (a KRaft controller on 127.0.0.1:" + controllerPort + ", the broker on 127.0.0.1:" + brokerPort + ")");
            Broker.Settings kafka = new Broker.Settings(layout.dataDir(), brokerPort, controllerPort, layout.config("broker.properties"),
                    kafkaCp, "512m");
            track(Broker.startController(kafka));
            track(Broker.start(kafka));
            bootstrap = "127.0.0.1:" + brokerPort;
            // only on the broker it started
            hangingWatch = HangingTransactionWatch.start(bootstrap, line -> out.println("  ! " + line));
        }
        StackTopics.create(bootstrap);

        ConnectWorker connect;
        JavaProcess worker = null;
        if (connectUrl == null) {
            step("starting a Kafka Connect worker (distributed mode) on 127.0.0.1:" + connectPort);
            String pluginPath = layout.pluginFolder("source-connector") + "," + layout.pluginFolder("sink-connector");
            worker = track(ConnectWorker.start(new ConnectWorker.Settings(layout.dataDir(), connectPort, bootstrap,
                    layout.config("worker.properties"), Path.of(pluginPath), kafkaCp, "768m", connectJmxPort)));
            connect = new ConnectWorker("http://127.0.0.1:" + connectPort);
        } else {
            connect = new ConnectWorker(connectUrl);
            externalConnect = connect;
        }
        connect.awaitPlugins(List.of(SOURCE_CLASS, SINK_CLASS), worker, Duration.ofSeconds(120));
        Path sourceProps = layout.config("source-connector.properties");
        Path sinkProps = layout.config("sink-connector.properties");
        String sourceName = PropertiesFiles.read(sourceProps).get("name");
        String sinkName = PropertiesFiles.read(sinkProps).get("name");
        step("deploying the source connector (devices on :" + devicePort + ", line mode on :" + linePort + ") and the sink (peers on :"
                + peerPort + ")");
        if (externalConnect != null) {
            deployedExternally.addAll(List.of(sinkName, sourceName));
        }
        connect.deploy(sourceProps, Map.of("topic", READINGS, "listen.address", "127.0.0.1", "listen.port", Integer.toString(devicePort),
                "line.listen.port", Integer.toString(linePort)));
        connect.deploy(sinkProps, Map.of("topics", AGGREGATES, "kafka.bootstrap.servers", bootstrap, "peer.listener.host",
                "127.0.0.1", "peer.listener.port", Integer.toString(peerPort)));
        connect.awaitRunning(sourceName, Duration.ofSeconds(60));
        connect.awaitRunning(sinkName, Duration.ofSeconds(60));
        // Connect never restarts a failed task by itself; the launcher does, with a back-off
        restarter = FailedTaskRestarter.start(connect, List.of(sourceName, sinkName), line -> out.println("  ! " + line));

        step("starting the Streams app");
        Map<String, String> streams = new LinkedHashMap<>();
        streams.put("bootstrap.servers", bootstrap);
        streams.put("input.topic", READINGS);
        streams.put("output.topic", AGGREGATES);
        streams.put("state.dir", layout.dataDir().resolve("streams-state").toString());
        streams.put("window.type", "tumbling");
        streams.put("window.size.ms", Long.toString(window.toMillis()));
        streams.put("window.grace.ms", Long.toString(grace));
        streams.put("emit", "final");
        streams.put("idle.close.ms", Long.toString(idleClose));
        streams.put("idle.check.interval.ms", "1000");
        streams.put("backpressure.downstream.group", "connect-" + sinkName);
        JavaProcess streamsApp = track(AppProcesses.streams(layout, appCp, layout.config("streams-app.properties"), streams,
                streamsJmxPort));

        Path peerDir = layout.dataDir().resolve("peer");
        Files.createDirectories(peerDir);
        Path peerOut = peerDir.resolve("run-" + run + ".ndjson");
        step("starting a durable peer subscribed to '" + AGGREGATES + "' (output in " + (peerOut.startsWith(home) ? home.relativize(peerOut) : peerOut) + ")");
        JavaProcess peer = track(AppProcesses.peer(layout, appCp, List.of("--connect", "127.0.0.1:" + peerPort, "--topic", AGGREGATES,
                "--name", "quickstart", "--out", peerOut.toString(), "--cursor-file", peerDir.resolve("cursors.json").toString(),
                "--progress", "0s")));

        Path devDir = layout.dataDir().resolve("devices");
        Files.createDirectories(devDir);
        Path status = devDir.resolve("status-run-" + run + ".json");
        Path summary = devDir.resolve("summary-run-" + run + ".json");
        step("starting " + devices + " simulated devices (" + prefix + "00000 ...)");
        JavaProcess fleet = track(AppProcesses.devices(layout, appCp, List.of("--connect", "127.0.0.1:" + devicePort,
                "--devices", Integer.toString(devices), "--rate", Double.toString(rate),
                "--duration", duration.isZero() ? "PT8760H" : duration.toString(), "--id-prefix", prefix,
                "--status-file", status.toString(), "--summary-json", summary.toString(), "--flush-timeout", "60s", "--quiet")));

        PeerOutput peerOutput = new PeerOutput(peerOut, prefix);
        LiveView live = new LiveView(out, "redraw".equals(view) || ("auto".equals(view) && System.console() != null));
        try (Collector collector = new Collector(status, bootstrap, TOPICS.subList(0, 4), worker == null ? -1 : connectJmxPort,
                streamsJmxPort, sourceName, sinkName, peerOutput)) {
            Snapshot last = null;
            boolean stoppingDevices = false;
            while (fleet.isAlive()) {
                if (stopRequested && !stoppingDevices) {
                    stoppingDevices = true;
                    fleet.process().destroy(); // SIGTERM: the simulator stops, flushes and writes its summary
                }
                last = collector.collect();
                live.show(last, stoppingDevices ? "stopping the devices" : "running (Ctrl-C stops)");
                requireAlive(streamsApp, peer);
                Thread.sleep(1000);
            }
            if (!Files.exists(summary)) {
                throw new StackException("the device simulator ended without a summary:\n" + fleet.tail(20));
            }
            JsonNode deviceSummary = Json.MAPPER.readTree(summary.toFile());
            long expected = deviceSummary.path("acked").asLong() - deviceSummary.path("rejected").asLong();
            long deadline = System.nanoTime() + (stopRequested ? Math.min(settle.toNanos(), Duration.ofSeconds(30).toNanos())
                    : settle.toNanos());
            while (System.nanoTime() < deadline) {
                last = collector.collect();
                // done when every acknowledged reading is either delivered or known late / dead-lettered
                long accounted = last.peer().finalCountSum() + Math.max(0, last.lateReadings()) + Math.max(0, last.deadLetters());
                if (accounted >= expected) {
                    break;
                }
                live.show(last, "devices done; waiting for the last windows to close and reach the peer");
                requireAlive(streamsApp, peer);
                Thread.sleep(1000);
            }
            if (last != null) {
                live.show(last, "done");
            }
            Accounting account = Accounting.of(deviceSummary, bootstrap, READINGS, AGGREGATES, prefix, peerOutput.counts(),
                    last == null ? 0 : Math.max(0, last.lateReadings()), last == null ? 0 : Math.max(0, last.deadLetters()));
            out.println();
            out.println("Final accounting (run " + run + ", devices " + prefix + "*):");
            out.print(account.render());
            return account.complete() ? 0 : 1;
        }
    }

    private void checkPorts() {
        if (bootstrapServers == null) {
            Ports.requireFree(brokerPort, "Kafka broker");
            Ports.requireFree(controllerPort, "KRaft controller");
        }
        if (connectUrl == null) {
            Ports.requireFree(connectPort, "Kafka Connect REST");
            Ports.requireFree(connectJmxPort, "Connect JMX");
            Ports.requireFree(devicePort, "source connector, devices");
            Ports.requireFree(linePort, "source connector, line mode");
            Ports.requireFree(peerPort, "sink connector, peers");
        }
        Ports.requireFree(streamsJmxPort, "Streams app JMX");
    }

    private static void requireAlive(JavaProcess... processes) {
        for (JavaProcess p : processes) {
            if (!p.isAlive()) {
                throw new StackException(p.name() + " exited unexpectedly; last lines of " + p.logFile() + ":\n" + p.tail(25));
            }
        }
    }

    private JavaProcess track(JavaProcess p) {
        started.add(p);
        pids.write(p);
        return p;
    }

    private void step(String what) {
        out.println("  - " + what);
    }

    private void stopAll(StackLayout layout) {
        if (started.isEmpty()) {
            return;
        }
        out.println();
        out.print("Stopping:");
        for (int i = started.size() - 1; i >= 0; i--) {
            JavaProcess p = started.get(i);
            boolean clean = p.stop(Duration.ofSeconds(30));
            pids.remove(p);
            out.print(" " + p.name() + (clean ? "" : " (killed)"));
            out.flush();
        }
        out.println();
        List<Integer> busy = new ArrayList<>();
        for (int port : List.of(brokerPort, controllerPort, connectPort, devicePort, linePort, peerPort, connectJmxPort,
                streamsJmxPort)) {
            if (!Ports.isFree(port) && owned(port)) {
                busy.add(port);
            }
        }
        boolean allGone = started.stream().noneMatch(JavaProcess::isAlive);
        out.println(allGone && busy.isEmpty() ? "Every process stopped; ports free."
                : "Warning: " + (allGone ? "" : "some processes are still alive; ") + (busy.isEmpty() ? "" : "ports still in use: " + busy));
        started.clear();
    }

    /** Leaves an existing Connect worker as it was found: without the connectors this run deployed. */
    private void removeExternalConnectors() {
        for (String name : deployedExternally) {
            try {
                externalConnect.delete(name);
                out.println("Removed connector " + name + " from " + externalConnect.url());
            } catch (IOException | InterruptedException | StackException e) {
                out.println("Warning: could not remove connector " + name + " from " + externalConnect.url() + ": " + e.getMessage());
            }
        }
        deployedExternally.clear();
    }

    private boolean owned(int port) {
        boolean external = (bootstrapServers != null && (port == brokerPort || port == controllerPort))
                || (connectUrl != null && (port == connectPort || port == devicePort || port == linePort || port == peerPort
                        || port == connectJmxPort));
        return !external;
    }

    private static int nextRun(Path dataDir) throws IOException {
        Path f = dataDir.resolve("runs");
        int n = Files.exists(f) ? Integer.parseInt(Files.readString(f).trim()) + 1 : 1;
        Files.writeString(f, Integer.toString(n));
        return n;
    }

    /** The version from the build. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice quickstart " + io.sluice.protocol.SluiceVersion.get()};
        }
    }

    static String fmt(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
