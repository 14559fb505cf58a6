package io.sluice.streams.bench;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.streams.StreamsApp;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.topology.StreamsAppTopology;
import io.sluice.testkit.KraftTestKafka;
import io.sluice.testkit.TestKafka;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/**
 * Throughput of the Sluice topology against a plain Kafka Streams windowed count/min/max/sum
 * topology, over the same topic, with the same Kafka Streams settings and guarantee, on the same
 * broker, in the same run. Each topology runs in its own JVM so heap and RSS are its own.
 *
 * <pre>
 * ./mvnw -pl streams-app -am test-compile -DskipTests
 * java -cp "$(cat streams-app/target/bench.classpath)" io.sluice.streams.bench.StreamsBenchmark [records] [devices] [runs]
 * </pre>
 * (the classpath file is written by {@code ./mvnw -pl streams-app dependency:build-classpath
 * -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test} plus target/classes and
 * target/test-classes). Not run by CI.
 */
public final class StreamsBenchmark {
    private StreamsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args);
            return;
        }
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        List<String> results = new ArrayList<>();
        try (KraftTestKafka kafka = KraftTestKafka.start()) {
            String topic = "bench-readings";
            kafka.createTopic(topic, 1);
            long t0 = System.nanoTime();
            produce(kafka, topic, records, devices);
            System.out.printf(Locale.ROOT, "produced %d readings from %d devices in %.1f s%n", records, devices,
                    (System.nanoTime() - t0) / 1e9);
            String[][] runs = {
                {"plain", "tumbling", "at_least_once", "default"},
                {"sluice", "tumbling", "at_least_once", "default"},
                {"sluice", "tumbling", "at_least_once", "percentiles"},
                {"plain", "tumbling", "exactly_once_v2", "default"},
                {"sluice", "tumbling", "exactly_once_v2", "default"},
                {"plain", "hopping", "at_least_once", "default"},
                {"sluice", "hopping", "at_least_once", "default"},
                {"plain", "session", "at_least_once", "default"},
                {"sluice", "session", "at_least_once", "default"},
            };
            // which runs, in order, repeats allowed (e.g. 0,1,0,1 interleaves to spread machine noise)
            List<Integer> order = new ArrayList<>();
            if (args.length > 2) {
                for (String i : args[2].split(",")) {
                    order.add(Integer.parseInt(i.trim()));
                }
            } else {
                for (int i = 0; i < runs.length; i++) {
                    order.add(i);
                }
            }
            int n = 0;
            for (int i : order) {
                String[] r = runs[i];
                String line = runChild(kafka.bootstrapServers(), topic, records, "bench-" + (n++), r);
                System.out.println(line);
                results.add(line);
            }
        }
        System.out.println("---");
        results.forEach(System.out::println);
    }

    private static void produce(TestKafka kafka, String topic, int records, int devices) {
        Random rnd = new Random(1);
        // each device reads once a second; event times end now (retention uses record time)
        long seconds = (records + devices - 1) / devices;
        long base = System.currentTimeMillis() - seconds * 1000;
        try (KafkaProducer<byte[], byte[]> p = kafka.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"))) {
            for (int i = 0; i < records; i++) {
                String device = "dev-" + (i % devices);
                long ts = base + (i / devices) * 1000L + rnd.nextInt(1000);
                byte[] v = TelemetryJson.format(new DeviceReading(device,
                        new Reading(i / devices, ts, "temp", Math.round(rnd.nextGaussian() * 1000) / 100.0)));
                p.send(new ProducerRecord<>(topic, null, ts, device.getBytes(StandardCharsets.UTF_8), v));
            }
        }
    }

    private static String runChild(String bootstrap, String topic, int records, String appId, String[] run)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g"));
        String extra = System.getenv("SLUICE_BENCH_CHILD_OPTS"); // e.g. a flight recording, for profiling
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamsBenchmark.class.getName(), "child",
                bootstrap, topic, String.valueOf(records), appId));
        cmd.addAll(List.of(run));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String result = "no result: " + String.join(" ", run);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                }
            }
        }
        p.waitFor();
        return result;
    }

    // ---------------------------------------------------------------- child JVM: one topology

    private static void child(String[] a) throws Exception {
        String bootstrap = a[1];
        String topic = a[2];
        long records = Long.parseLong(a[3]);
        String appId = a[4];
        String kind = a[5];
        String window = a[6];
        String guarantee = a[7];
        String stats = a[8];
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", bootstrap);
        s.put("application.id", appId);
        s.put("input.topic", topic);
        s.put("output.topic", appId + "-out");
        s.put("late.topic", appId + "-late");
        s.put("dead.letter.topic", appId + "-dlq");
        s.put("processing.guarantee", guarantee);
        s.put("state.dir", Files.createTempDirectory("bench-state").toString());
        s.put("window.type", window);
        s.put("window.size.ms", window.equals("hopping") ? "60000" : "10000");
        s.put("window.advance.ms", window.equals("hopping") ? "10000" : "0");
        s.put("window.session.gap.ms", "30000");
        s.put("window.grace.ms", "1000");
        s.put("idle.close.ms", "0");
        s.put("backpressure.enabled", "false");
        s.put("alignment.max.drift.ms", "0");
        s.put("streams.replication.factor", "1");
        if (stats.equals("percentiles")) {
            s.put("statistics", "count,sum,min,max,mean,stddev,first,last,p50,p90,p99");
        }
        StreamsAppConfig config = new StreamsAppConfig(s);
        try (TestKafka k = () -> bootstrap) {
            for (String t : List.of(appId + "-out", appId + "-late", appId + "-dlq")) {
                k.createTopic(t, 1);
            }
        }
        AutoCloseable handle;
        LongSupplier processed;
        if (kind.equals("plain")) {
            AtomicLong counter = new AtomicLong();
            KafkaStreams ks = new KafkaStreams(plainTopology(config, counter).build(),
                    StreamsAppTopology.streamsConfig(config));
            ks.start();
            handle = ks::close;
            processed = counter::get;
        } else {
            StreamsApp app = new StreamsApp(config);
            app.start();
            handle = app::close;
            processed = () -> app.metrics().getReadings();
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long first = 0;
        long peakHeap = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (processed.getAsLong() < records && System.nanoTime() < deadline) {
            if (first == 0 && processed.getAsLong() > 0) {
                first = System.nanoTime();
            }
            peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            Thread.sleep(20);
        }
        long last = System.nanoTime();
        long done = processed.getAsLong();
        // CPU time is what the topology costs, whatever else runs on the machine meanwhile
        double processCpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        double streamThreadCpu = 0;
        var threads = ManagementFactory.getThreadMXBean();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("StreamThread")) {
                streamThreadCpu += threads.getThreadCpuTime(info.getThreadId()) / 1e9;
            }
        }
        handle.close();
        double secs = (last - first) / 1e9;
        System.out.printf(Locale.ROOT,
                "RESULT %s %s %s stats=%s: %d records in %.2f s = %.0f records/s; %.0f records per stream-thread CPU s, "
                        + "%.0f per process CPU s; peak heap %d MB, peak RSS %d MB%n",
                kind, window, guarantee, stats, done, secs, done / secs, done / streamThreadCpu, done / processCpu,
                peakHeap >> 20, peakRssKb() >> 10);
        System.exit(0);
    }

    private static long peakRssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }

    /** The plain DSL topology: parse, group by device, window, aggregate count/min/max/sum, write. */
    static StreamsBuilder plainTopology(StreamsAppConfig config, AtomicLong counter) {
        StreamsBuilder b = new StreamsBuilder();
        Serde<byte[]> bytes = Serdes.ByteArray();
        if (config.window().isSession()) {
            b.stream(config.inputTopic(), Consumed.with(Serdes.String(), bytes))
                    .mapValues(v -> parseValue(v, counter))
                    .filter((k, v) -> !Double.isNaN(v))
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.Double()))
                    .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(config.window().gapMs()),
                            Duration.ofMillis(config.window().graceMs())))
                    .aggregate(() -> agg(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
                            (k, v, a) -> add(a, v),
                            (k, x, y) -> {
                                ByteBuffer p = ByteBuffer.wrap(x);
                                ByteBuffer q = ByteBuffer.wrap(y);
                                return agg(p.getLong(0) + q.getLong(0), p.getDouble(8) + q.getDouble(8),
                                        Math.min(p.getDouble(16), q.getDouble(16)), Math.max(p.getDouble(24), q.getDouble(24)));
                            },
                            Materialized.with(Serdes.String(), bytes))
                    .toStream()
                    .to(config.outputTopic(), Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), bytes));
            return b;
        }
        long size = config.window().sizeMs();
        TimeWindows windows = TimeWindows.ofSizeAndGrace(Duration.ofMillis(size), Duration.ofMillis(config.window().graceMs()))
                .advanceBy(Duration.ofMillis(config.window().advanceMs()));
        b.stream(config.inputTopic(), Consumed.with(Serdes.String(), bytes))
                .mapValues(v -> parseValue(v, counter))
                .filter((k, v) -> !Double.isNaN(v))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.Double()))
                .windowedBy(windows)
                .aggregate(() -> agg(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
                        (k, v, a) -> add(a, v),
                        Materialized.with(Serdes.String(), bytes))
                .toStream()
                .to(config.outputTopic(), Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, size), bytes));
        return b;
    }

    private static double parseValue(byte[] v, AtomicLong counter) {
        counter.incrementAndGet();
        TelemetryRecord r = TelemetryJson.parseRecord(v);
        return r instanceof DeviceReading d ? d.reading().value() : Double.NaN;
    }

    private static byte[] add(byte[] a, double v) {
        ByteBuffer x = ByteBuffer.wrap(a);
        return agg(x.getLong(0) + 1, x.getDouble(8) + v, Math.min(x.getDouble(16), v), Math.max(x.getDouble(24), v));
    }

    private static byte[] agg(long count, double sum, double min, double max) {
        return ByteBuffer.allocate(32).putLong(count).putDouble(sum).putDouble(min).putDouble(max).array();
    }
}
