package io.sluice.bench;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.sluice.device.sim.DeviceFleet;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.quickstart.stack.AppProcesses;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.StackException;
import java.net.InetSocketAddress;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline, device to peer: simulated devices → source connector → readings topic →
 * Streams app (a process of its own, tumbling windows, {@code emit=final}) → aggregates topic →
 * sink connector → a durable peer in the harness JVM, at fixed offered rates, then at ten times
 * the middle rate for a while (overload). Latency per final aggregate, as DDSketches:
 * <ul>
 * <li>device send → peer receipt: peer receipt − window start (the send time of the window's
 *     oldest reading, to within one reading interval of a device): window + what the pipeline adds;</li>
 * <li>window end → peer receipt: how long after its window ended a final aggregate reached the
 *     peer (the app closes windows per device, so a window is final once the device's next
 *     reading past its end is processed);</li>
 * <li>window emit: the aggregate's append time in Kafka (the aggregates topic uses
 *     {@code LogAppendTime}) − window end, i.e. how long after the window ended its result was
 *     in Kafka (readings' way into Kafka and the Streams app's work);</li>
 * <li>transport: peer receipt − the aggregate's append time (sink connector and peer).</li>
 * </ul>
 * Part of the window emit latency is the readings' own way in: a consumer in the harness reads
 * the readings topic and records, per reading, when it could read it − the reading's time (set
 * by the device when it made the reading): device → source connector → Kafka → a consumer.
 * Memory (heap and RSS) of every process is sampled every second all along.
 */
final class LatencyBench {
    static final String SECTION = "e2e";
    static final String MEMORY = "memory";
    /** Target of p99 from window end to peer receipt at 20,000 readings/s. */
    static final long WINDOW_END_TARGET_MS = 100;

    /** One offered-load phase of one run: its start and end (epoch ms), offered and acknowledged rates, and the sketches. */
    static final class Phase {
        final double offered;
        final long from;
        long to;
        double acked;
        double aggregated;
        final DDSketch e2e = DDSketches.unboundedDense(0.01);
        final DDSketch fromEnd = DDSketches.unboundedDense(0.01);
        final DDSketch emit = DDSketches.unboundedDense(0.01);
        final DDSketch transport = DDSketches.unboundedDense(0.01);
        final DDSketch ingest = DDSketches.unboundedDense(0.01);
        long negativeEmit;
        long firstStart = Long.MAX_VALUE;
        long lastEnd = Long.MIN_VALUE;

        /** Readings counted in the phase's final aggregates per second of the windows they cover. */
        synchronized double countedRate() {
            return lastEnd <= firstStart ? 0 : aggregated / ((lastEnd - firstStart) / 1000.0);
        }

        Phase(double offered, long from) {
            this.offered = offered;
            this.from = from;
        }

        synchronized void add(Aggregate a, long appended, long received) {
            e2e.accept(Math.max(0, received - a.windowStart()));
            fromEnd.accept(Math.max(0, received - a.windowEnd()));
            long emitted = appended - a.windowEnd();
            if (emitted < 0) {
                negativeEmit++;
            }
            emit.accept(Math.max(0, emitted));
            transport.accept(Math.max(0, received - appended));
            aggregated += a.count();
            firstStart = Math.min(firstStart, a.windowStart());
            lastEnd = Math.max(lastEnd, a.windowEnd());
        }

        synchronized void ingest(long latencyMs) {
            ingest.accept(Math.max(0, latencyMs));
        }

        static double q(DDSketch s, double q) {
            return s.isEmpty() ? Double.NaN : s.getValueAtQuantile(q);
        }
    }

    private final BenchStack stack;
    private final Figures figures;
    private final BenchCommand.Sizes sizes;
    /** Phases of all runs, for the plots. */
    final List<Phase> phases = new ArrayList<>();
    /** Memory samples during the overload of the last run, per process. */
    Map<String, List<MemoryProbe.Sample>> overloadMemory = Map.of();
    double overloadStart;

    LatencyBench(BenchStack stack, Figures figures, BenchCommand.Sizes sizes) {
        this.stack = stack;
        this.figures = figures;
        this.sizes = sizes;
    }

    void run(int runs, boolean overload) throws Exception {
        long windowMs = sizes.e2eWindowMs;
        long graceMs = sizes.e2eGraceMs;
        Map<Double, Figures.Series[]> byRate = new LinkedHashMap<>();
        for (double rate : sizes.e2eRates) {
            String r = String.format("%,.0f readings/s", rate);
            String target = rate == 20_000 ? " (target p99 ≤ " + WINDOW_END_TARGET_MS + " ms)" : "";
            byRate.put(rate, new Figures.Series[] {
                figures.series(SECTION, r + ": acknowledged to devices", "readings/s"),
                figures.series(SECTION, r + ": counted in aggregates at the peer", "readings/s"),
                figures.series(SECTION, r + ": device send to peer receipt p50", "ms"),
                figures.series(SECTION, r + ": device send to peer receipt p99", "ms"),
                figures.series(SECTION, r + ": device send to peer receipt p99.9", "ms"),
                figures.series(SECTION, r + ": window end to peer receipt p50", "ms"),
                figures.series(SECTION, r + ": window end to peer receipt p99" + target, "ms"),
                figures.series(SECTION, r + ": window emit p99", "ms"),
                figures.series(SECTION, r + ": transport (sink → peer) p99", "ms"),
                figures.series(SECTION, r + ": readings device → Kafka → consumer p99", "ms"),
            });
        }
        Figures.Series[] mem = null;
        for (int i = 0; i < runs; i++) {
            boolean last = i == runs - 1;
            Result res = pipeline(i + 1, windowMs, graceMs, overload && last);
            for (Phase p : res.phases) {
                Figures.Series[] s = byRate.get(p.offered);
                if (s == null) {
                    figures.note(SECTION, String.format("Overload (run %d): %,.0f readings/s offered for %d s, %,.0f readings/s "
                            + "acknowledged to devices (the source pushes back: devices wait for acknowledgements), %,.0f counted in "
                            + "aggregates at the peer; device send to peer receipt p50 %.0f / p99 %.0f ms, window end to peer receipt "
                            + "p99 %.0f ms, window emit p99 %.0f ms, readings in p99 "
                            + "%.0f ms (readings wait in the devices and the buffer, so windows close late).", i + 1, p.offered,
                            sizes.overloadSeconds, p.acked, p.countedRate(), Phase.q(p.e2e, 0.5), Phase.q(p.e2e, 0.99),
                            Phase.q(p.fromEnd, 0.99),
                            Phase.q(p.emit, 0.99), Phase.q(p.ingest, 0.99)));
                    continue;
                }
                s[0].add(p.acked);
                s[1].add(p.countedRate());
                s[2].add(Phase.q(p.e2e, 0.5));
                s[3].add(Phase.q(p.e2e, 0.99));
                s[4].add(Phase.q(p.e2e, 0.999));
                s[5].add(Phase.q(p.fromEnd, 0.5));
                s[6].add(Phase.q(p.fromEnd, 0.99));
                s[7].add(Phase.q(p.emit, 0.99));
                s[8].add(Phase.q(p.transport, 0.99));
                s[9].add(Phase.q(p.ingest, 0.99));
                figures.note(SECTION, String.format("Run %d, %,.0f readings/s: %d final aggregates; window emit p50 %.0f / p99 %.0f / "
                        + "p99.9 %.0f ms; transport p50 %.0f / p99 %.0f / p99.9 %.0f ms; readings in (device → Kafka → consumer) "
                        + "p50 %.0f / p99 %.0f / p99.9 %.0f ms%s.", i + 1, p.offered, (long) p.e2e.getCount(), Phase.q(p.emit, 0.5),
                        Phase.q(p.emit, 0.99), Phase.q(p.emit, 0.999), Phase.q(p.transport, 0.5), Phase.q(p.transport, 0.99),
                        Phase.q(p.transport, 0.999), Phase.q(p.ingest, 0.5), Phase.q(p.ingest, 0.99), Phase.q(p.ingest, 0.999),
                        p.negativeEmit > 0 ? "; " + p.negativeEmit + " aggregates appended before their window's end" : ""));
            }
            phases.addAll(res.phases);
        }
        figures.note(SECTION, String.format("Settings: %d simulated devices (one metric, batch frames of up to 100 readings, 5 ms "
                + "linger) at a fixed total rate, %d s per rate of which the first %d s are not counted; Streams app with "
                + "tumbling windows of %d ms closed per device (grace %d ms for stream-time closing only), `emit=final`, "
                + "`streams.producer.linger.ms=5`, other settings from "
                + "`config/streams-app.properties`; connectors from `config/*-connector.properties`; readings topic with one partition, "
                + "aggregates topic with `message.timestamp.type=LogAppendTime`; one durable peer. Latency per final aggregate, "
                + "DDSketch with 1 %% relative accuracy.", sizes.e2eDevices, sizes.e2eSeconds, sizes.e2eWarmupSeconds, windowMs,
                graceMs));
    }

    private record Result(List<Phase> phases) {
    }

    private Result pipeline(int runNo, long windowMs, long graceMs, boolean overload) throws Exception {
        String readings = "bench-e2e-readings-" + runNo;
        String aggregates = "bench-e2e-aggregates-" + runNo;
        String source = "bench-e2e-source-" + runNo;
        String sink = "bench-e2e-sink-" + runNo;
        stack.createTopic(readings, 1, Map.of());
        stack.createTopic(aggregates, 1, Map.of("message.timestamp.type", "LogAppendTime"));
        stack.createTopic(readings + "-late", 1, Map.of());
        stack.createTopic(readings + "-dlq", 1, Map.of());
        int devicePort = BenchStack.freePort();
        int peerPort = BenchStack.freePort();
        stack.connect().deploy(stack.layout().config("source-connector.properties"), Map.of("name", source, "topic", readings,
                "listen.address", "127.0.0.1", "listen.port", Integer.toString(devicePort), "line.listen.port", "-1"));
        stack.connect().deploy(stack.layout().config("sink-connector.properties"), Map.of("name", sink, "topics", aggregates,
                "kafka.bootstrap.servers", stack.bootstrap(), "peer.listener.host", "127.0.0.1", "peer.listener.port",
                Integer.toString(peerPort), "peer.endpoints.topic", "bench-e2e-endpoints-" + runNo,
                "errors.deadletterqueue.topic.name", "bench-e2e-dlq-" + runNo));
        Map<String, String> streams = new LinkedHashMap<>();
        streams.put("bootstrap.servers", stack.bootstrap());
        streams.put("application.id", "bench-e2e-" + runNo);
        streams.put("input.topic", readings);
        streams.put("output.topic", aggregates);
        streams.put("late.topic", readings + "-late");
        streams.put("dead.letter.topic", readings + "-dlq");
        streams.put("state.dir", stack.layout().dataDir().resolve("streams-state-" + runNo).toString());
        streams.put("window.type", "tumbling");
        streams.put("window.size.ms", Long.toString(windowMs));
        streams.put("window.grace.ms", Long.toString(graceMs));
        streams.put("emit", "final");
        streams.put("streams.producer.linger.ms", "5");
        streams.put("backpressure.downstream.group", "connect-" + sink);
        int streamsJmx = BenchStack.freePort();
        JavaProcess app = null;
        List<Phase> phases = new ArrayList<>();
        List<Phase> live = new ArrayList<>();
        PeerClient peer = null;
        Thread ingestWatcher = null;
        watching = true;
        try {
            stack.connect().awaitRunning(source, Duration.ofSeconds(60));
            stack.connect().awaitRunning(sink, Duration.ofSeconds(60));
            app = stack.track(AppProcesses.streams(stack.layout(), stack.layout().classpath("app-classpath.txt"),
                    stack.layout().config("streams-app.properties"), streams, streamsJmx));
            peer = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", peerPort))
                    .topics(aggregates).peerName("bench-e2e-" + runNo).build());
            peer.onRecord(r -> onAggregate(r, live));
            if (!peer.awaitSubscribed(Duration.ofSeconds(60))) {
                throw new StackException("the peer did not subscribe to " + sink);
            }
            awaitStreamsRunning(streamsJmx, app);
            ingestWatcher = new Thread(() -> watchReadings(readings, live), "bench-readings-watcher");
            ingestWatcher.setDaemon(true);
            ingestWatcher.start();
            try (MemoryProbe probe = new MemoryProbe(1000)
                    .watch("broker", stack.broker().pid(), stack.brokerJmx())
                    .watch("connect", stack.worker().pid(), stack.workerJmx())
                    .watch("streams-app", app.pid(), streamsJmx)
                    .watch("harness (devices, peer)", ProcessHandle.current().pid(), 0).start()) {
                double overloadRate = 10 * (sizes.e2eRates.contains(20_000.0) ? 20_000.0 : sizes.e2eRates.get(0));
                double[] steady = {Double.NaN, Double.NaN};
                for (double rate : sizes.e2eRates) {
                    double from = probe.elapsed() + sizes.e2eWarmupSeconds;
                    phases.add(drive(devicePort, rate, sizes.e2eSeconds, live, runNo));
                    if (rate == 20_000.0 || Double.isNaN(steady[0])) {
                        steady = new double[] {from, probe.elapsed()};
                    }
                }
                if (overload) {
                    double from = probe.elapsed();
                    phases.add(drive(devicePort, overloadRate, sizes.overloadSeconds, live, runNo));
                    memoryFigures(probe.samples(), steady, from, overloadRate);
                }
            }
        } finally {
            watching = false;
            if (ingestWatcher != null) {
                ingestWatcher.join(10_000);
            }
            if (peer != null) {
                peer.closeNow();
            }
            if (app != null) {
                app.stop(Duration.ofSeconds(30));
                stack.forget(app);
            }
            stack.connect().delete(source);
            stack.connect().delete(sink);
            stack.deleteTopics(List.of(readings, aggregates, readings + "-late", readings + "-dlq"));
        }
        return new Result(phases);
    }

    private void memoryFigures(Map<String, List<MemoryProbe.Sample>> all, double[] steady, double overloadFrom,
            double overloadRate) {
        Map<String, List<MemoryProbe.Sample>> over = new LinkedHashMap<>();
        all.forEach((name, samples) -> over.put(name, samples.stream().filter(s -> s.seconds() >= overloadFrom).map(s ->
                new MemoryProbe.Sample(s.seconds() - overloadFrom, s.heap(), s.rss())).toList()));
        overloadMemory = over;
        double steadyRate = sizes.e2eRates.contains(20_000.0) ? 20_000.0 : sizes.e2eRates.get(0);
        StringBuilder t = new StringBuilder(String.format("Heap used and RSS (MiB) of each process, sampled every second: at steady "
                + "load (the %,.0f readings/s phase after its warm-up) and with %,.0f readings/s offered for %d s. Heap used is a "
                + "sawtooth (young collections), so the table gives its low points (the minimum, close to what survives a collection) "
                + "and its peaks; under overload for the first and the last third of the %d s: the heap is flat when the last third's "
                + "low point is not above the first third's.%n%n", steadyRate, overloadRate, sizes.overloadSeconds,
                sizes.overloadSeconds));
        t.append("| process | heap at steady load, min / max | heap under overload, first third min / max | last third min / max "
                + "| RSS at steady load, max | RSS under overload, first third max / last third max |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (var e : all.entrySet()) {
            List<MemoryProbe.Sample> o = over.get(e.getKey());
            List<MemoryProbe.Sample> st = e.getValue().stream().filter(s -> s.seconds() >= steady[0] && s.seconds() <= steady[1])
                    .toList();
            int n = o.size();
            List<MemoryProbe.Sample> first = n == 0 ? List.of() : o.subList(0, Math.max(1, n / 3));
            List<MemoryProbe.Sample> last = n == 0 ? List.of() : o.subList(n - Math.max(1, n / 3), n);
            t.append(String.format("| %s | %s / %s | %s / %s | %s / %s | %s | %s / %s |%n", e.getKey(), mib(min(st, true)),
                    mib(max(st, true)), mib(min(first, true)), mib(max(first, true)), mib(min(last, true)), mib(max(last, true)),
                    mib(max(st, false)), mib(max(first, false)), mib(max(last, false))));
        }
        figures.note(MEMORY, t.toString());
    }

    private static String mib(double bytes) {
        return Double.isNaN(bytes) ? "n/a" : String.format("%,.0f", bytes / (1 << 20));
    }

    private static double min(List<MemoryProbe.Sample> s, boolean heap) {
        return s.stream().mapToDouble(x -> heap ? x.heap() : x.rss()).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
    }

    private static double max(List<MemoryProbe.Sample> s, boolean heap) {
        return s.stream().mapToDouble(x -> heap ? x.heap() : x.rss()).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    /** Drives the devices at {@code rate} for {@code seconds}; the measured phase starts after the warm-up. */
    private Phase drive(int devicePort, double rate, int seconds, List<Phase> live, int runNo) throws Exception {
        long start = System.currentTimeMillis();
        Phase p = new Phase(rate, start + sizes.e2eWarmupSeconds * 1000L);
        synchronized (live) {
            live.add(p);
        }
        DeviceFleet.Settings s = new DeviceFleet.Settings(List.of(new InetSocketAddress("127.0.0.1", devicePort)), sizes.e2eDevices,
                "bench-e2e-" + runNo + "-" + (long) rate + "-", rate, 0, Duration.ofSeconds(seconds), List.of("temperature"), 100,
                Duration.ofMillis(5), 10_000, "", null, 1);
        long acked;
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            fleet.awaitGenerated(Duration.ofSeconds(seconds + 60L));
            acked = fleet.stats().acked();
            fleet.stopGenerating();
        }
        long end = System.currentTimeMillis();
        p.to = end;
        p.acked = acked / ((end - start) / 1000.0);
        System.err.printf("e2e %,.0f/s: acknowledged %,.0f/s, end to end p99 %.0f ms (so far)%n", rate, p.acked, Phase.q(p.e2e, 0.99));
        return p;
    }

    private volatile boolean watching;

    /** Reads the readings topic as they come and files, per reading, when it was readable − the reading's time. */
    private void watchReadings(String topic, List<Phase> live) {
        Map<String, Object> p = Map.of("bootstrap.servers", stack.bootstrap(), "fetch.min.bytes", 1, "fetch.max.wait.ms", 100);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            while (watching) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                Phase current = null;
                synchronized (live) {
                    for (Phase ph : live) {
                        if (now >= ph.from && ph.to == 0) {
                            current = ph;
                        }
                    }
                }
                if (current == null) {
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    current.ingest(now - r.timestamp());
                }
            }
        }
    }

    /** Files a final aggregate under the phase its window belongs to (windows that began in a phase's measured part). */
    private static void onAggregate(DeliveredRecord r, List<Phase> live) {
        long received = System.currentTimeMillis();
        Aggregate a;
        try {
            a = AggregateJson.parse(r.value());
        } catch (RuntimeException e) {
            return;
        }
        if (!a.isFinal()) {
            return;
        }
        synchronized (live) {
            for (Phase p : live) {
                if (a.windowStart() >= p.from && (p.to == 0 || a.windowEnd() <= p.to)) {
                    p.add(a, r.timestamp(), received);
                    return;
                }
            }
        }
    }

    /** Waits until the Streams app reports a live stream thread over JMX. */
    private static void awaitStreamsRunning(int jmxPort, JavaProcess app) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new StackException("the Streams app exited:\n" + app.tail(20));
            }
            try (io.sluice.quickstart.stack.Jmx jmx = io.sluice.quickstart.stack.Jmx.connect(jmxPort)) {
                for (var n : jmx.names("kafka.streams:type=stream-metrics,*")) {
                    if (jmx.number(n, "alive-stream-threads") >= 1) {
                        return;
                    }
                }
            } catch (Exception e) {
                // JMX not up yet
            }
            Thread.sleep(500);
        }
        throw new StackException("the Streams app did not start within 90 s:\n" + app.tail(20));
    }
}
