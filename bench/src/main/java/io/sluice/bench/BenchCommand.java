package io.sluice.bench;

import io.sluice.quickstart.stack.StackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice bench}: starts a KRaft broker and a Connect worker as processes of their own
 * and measures Sluice against what a user would otherwise pick, side by side in the same run:
 * source vs ProducerPerformance, Streams topology vs plain Kafka Streams, sink vs
 * ConsumerPerformance (and Connect alone), device-to-peer latency at fixed rates, memory of every
 * process at steady load and under overload, file transfer, JMH micro-benchmarks. Writes
 * {@code results.md} and PNG plots to the output folder.
 */
@Command(name = "sluice bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmarks Sluice against Kafka's own tools and a plain Kafka Streams topology on a real broker and "
                + "Connect worker, pair by pair in one run; writes results.md and PNG plots.")
public final class BenchCommand implements Callable<Integer> {
    static final List<String> ALL_PARTS = List.of("source", "streams", "sink", "e2e", "files", "jmh");

    @Option(names = "--home", description = "The Sluice checkout (default: the current folder).")
    Path home = Path.of(".");

    @Option(names = "--data-dir", description = "Broker storage, logs and state; emptied first (default: <home>/.sluice/bench).")
    Path dataDir;

    @Option(names = "--out", description = "Where results.md and the plots go (default: <home>/docs/bench).")
    Path out;

    @Option(names = "--parts", split = ",", description = "Which parts, in this order: ${DEFAULT-VALUE} (e2e includes memory).",
            defaultValue = "source,streams,sink,e2e,files,jmh")
    List<String> parts;

    @Option(names = "--runs", defaultValue = "3", description = "Runs per figure; each figure is their median, min and max "
            + "(default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--size", defaultValue = "full", description = "full or smoke (tiny sizes, to check the harness works; "
            + "default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--source-seconds", description = "Seconds of sending per source run.")
    Integer sourceSeconds;

    @Option(names = "--streams-records", description = "Readings the Streams topologies each process.")
    Integer streamsRecords;

    @Option(names = "--sink-records", description = "Records per sink run (one peer, Connect alone).")
    Long sinkRecords;

    @Option(names = "--e2e-seconds", description = "Seconds per offered rate (the first few are warm-up).")
    Integer e2eSeconds;

    @Option(names = "--e2e-rates", split = ",", description = "Offered rates, readings/s (default 5000,20000,50000).")
    List<Double> e2eRates;

    @Option(names = "--overload-seconds", description = "Seconds at ten times the 20,000 readings/s rate.")
    Integer overloadSeconds;

    @Option(names = "--file-mb", description = "Size of the file sent per file-transfer run, in MB.")
    Integer fileMb;

    /** Every size the parts use; two presets, then the command line's overrides. */
    static final class Sizes {
        int sourceDevices = 50;
        int sourceSeconds = 10;
        long producerRecords = 2_000_000;
        int streamsRecords = 1_000_000;
        int streamsDevices = 10_000;
        List<String> streamsWindows = List.of("tumbling", "hopping");
        long sinkRecords = 2_000_000;
        long sinkManyRecords = 300_000;
        int manyPeers = 10;
        int e2eDevices = 100;
        List<Double> e2eRates = List.of(5_000.0, 20_000.0, 50_000.0);
        int e2eSeconds = 30;
        int e2eWarmupSeconds = 5;
        long e2eWindowMs = 1000;
        long e2eGraceMs = 100;
        int overloadSeconds = 60;
        long fileBytes = 100_000_000;
        int jmhWarmups = 2;
        int jmhIterations = 3;
        int jmhIterationMs = 1000;
        String jmhInclude = "io\\.sluice\\.bench\\.jmh\\..*";
        /** A first delivery and a first file before the measured runs (JIT, connections, page cache). */
        boolean warmUp = true;

        static Sizes smoke() {
            Sizes s = new Sizes();
            s.sourceDevices = 5;
            s.sourceSeconds = 2;
            s.producerRecords = 20_000;
            s.streamsRecords = 20_000;
            s.streamsDevices = 500;
            s.streamsWindows = List.of("tumbling");
            s.sinkRecords = 5_000;
            s.sinkManyRecords = 2_000;
            s.manyPeers = 2;
            s.e2eDevices = 10;
            s.e2eRates = List.of(2_000.0);
            s.e2eSeconds = 6;
            s.e2eWarmupSeconds = 1;
            s.overloadSeconds = 4;
            s.fileBytes = 2_000_000;
            s.jmhWarmups = 0;
            s.jmhIterations = 1;
            s.jmhIterationMs = 200;
            s.jmhInclude = "io\\.sluice\\.bench\\.jmh\\.DeviceBufferBenchmark.*";
            s.warmUp = false;
            return s;
        }
    }

    /** What the last call measured (for the smoke test). */
    Figures figures;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine(new BenchCommand()).execute(args));
    }

    static CommandLine commandLine(BenchCommand command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof StackException) {
                cmd.getErr().println("sluice bench: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    Sizes sizes() {
        Sizes s = switch (size) {
            case "full" -> new Sizes();
            case "smoke" -> Sizes.smoke();
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "--size must be full or smoke, was " + size);
        };
        if (sourceSeconds != null) {
            s.sourceSeconds = sourceSeconds;
        }
        if (streamsRecords != null) {
            s.streamsRecords = streamsRecords;
        }
        if (sinkRecords != null) {
            s.sinkRecords = sinkRecords;
            s.sinkManyRecords = Math.max(1, sinkRecords / 7);
        }
        if (e2eSeconds != null) {
            s.e2eSeconds = e2eSeconds;
        }
        if (e2eRates != null && !e2eRates.isEmpty()) {
            s.e2eRates = List.copyOf(e2eRates);
        }
        if (overloadSeconds != null) {
            s.overloadSeconds = overloadSeconds;
        }
        if (fileMb != null) {
            s.fileBytes = fileMb * 1_000_000L;
        }
        return s;
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        home = home.toAbsolutePath().normalize();
        Path data = (dataDir != null ? dataDir : home.resolve(".sluice/bench")).toAbsolutePath();
        Path outDir = (out != null ? out : home.resolve("docs/bench")).toAbsolutePath();
        Set<String> chosen = new LinkedHashSet<>(parts);
        for (String p : chosen) {
            if (!ALL_PARTS.contains(p)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown part '" + p + "'; parts: " + ALL_PARTS);
            }
        }
        Sizes sizes = sizes();
        deleteRecursively(data);
        Files.createDirectories(outDir);
        figures = new Figures();
        Report report = new Report(figures, sizes, runs, chosen);
        report.started(Instant.now(), String.join(" ", commandLineArgs()));
        BenchStack stack = new BenchStack(home, data);
        Thread hook = new Thread(stack::close, "sluice-bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        try {
            boolean needsStack = chosen.stream().anyMatch(p -> !p.equals("jmh"));
            if (needsStack) {
                System.err.println("sluice bench: starting a broker and a Connect worker (logs in " + data.resolve("logs") + ")");
                stack.start("1g", "1g");
            }
            for (String part : chosen) {
                long p0 = System.nanoTime();
                System.err.println("sluice bench: " + part);
                switch (part) {
                    case "source" -> new SourceBench(stack, figures, sizes).run(runs);
                    case "streams" -> new StreamsBench(stack, figures, sizes).run(runs);
                    case "sink" -> new SinkBench(stack, figures, sizes).run(runs);
                    case "e2e" -> report.latency(new LatencyBench(stack, figures, sizes), runs);
                    case "files" -> new FileBench(stack, figures, sizes).run(runs);
                    case "jmh" -> JmhBench.run(figures, sizes, BenchStack.benchClasspath(home), data.resolve("logs/jmh.log"));
                    default -> throw new IllegalStateException(part);
                }
                report.partTime(part, Duration.ofNanos(System.nanoTime() - p0));
            }
        } finally {
            stack.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
        report.finished(Instant.now(), Duration.ofNanos(System.nanoTime() - t0));
        List<Path> written = report.write(outDir);
        written.forEach(p -> System.out.println("wrote " + p));
        return 0;
    }

    private List<String> commandLineArgs() {
        List<String> a = new ArrayList<>(List.of("./sluice bench"));
        a.add("--size " + size);
        a.add("--runs " + runs);
        a.add("--parts " + String.join(",", parts));
        if (sourceSeconds != null) {
            a.add("--source-seconds " + sourceSeconds);
        }
        if (streamsRecords != null) {
            a.add("--streams-records " + streamsRecords);
        }
        if (sinkRecords != null) {
            a.add("--sink-records " + sinkRecords);
        }
        if (e2eSeconds != null) {
            a.add("--e2e-seconds " + e2eSeconds);
        }
        if (e2eRates != null) {
            a.add("--e2e-rates " + String.join(",", e2eRates.stream().map(d -> Long.toString(d.longValue())).toList()));
        }
        if (overloadSeconds != null) {
            a.add("--overload-seconds " + overloadSeconds);
        }
        if (fileMb != null) {
            a.add("--file-mb " + fileMb);
        }
        return a;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
