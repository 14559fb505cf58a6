package io.sluice.bench;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.streams.StreamsApp;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.topology.StreamsAppTopology;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 * One topology in a JVM of its own, so its heap, RSS and CPU are its own: the Sluice Streams
 * app's topology or a plain Kafka Streams windowed count/min/max/sum topology, over the same
 * topic, with the same Kafka Streams settings and guarantee. Started by {@link StreamsBench};
 * runs until it has processed every reading and prints one {@code RESULT} line.
 */
public final class StreamsChild {
    private StreamsChild() {
    }

    /** args: bootstrap, topic, readings, application id, sluice|plain, tumbling|hopping|session, guarantee, default|percentiles. */
    public static void main(String[] args) throws Exception {
        String[] a = new String[args.length + 1];
        a[0] = "child";
        System.arraycopy(args, 0, a, 1, args.length);
        child(a);
    }

    /** Writes {@code readings} readings from {@code devices} devices, each reading once a second, event times ending now. */
    static void produce(String bootstrap, String topic, int records, int devices) {
        Random rnd = new Random(1);
        long seconds = (records + devices - 1) / devices;
        long base = System.currentTimeMillis() - seconds * 1000;
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                String device = "dev-" + (i % devices);
                long ts = base + (i / devices) * 1000L + rnd.nextInt(1000);
                byte[] v = TelemetryJson.format(new DeviceReading(device,
                        new Reading(i / devices, ts, "temp", Math.round(rnd.nextGaussian() * 1000) / 100.0)));
                p.send(new ProducerRecord<>(topic, null, ts, device.getBytes(StandardCharsets.UTF_8), v));
            }
        }
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
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(appId + "-out", appId + "-late", appId + "-dlq")) {
                topics.add(new NewTopic(t, 1, (short) 1));
            }
            admin.createTopics(topics).all().get();
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
                "RESULT %d %.3f %.0f %.0f %.0f %d %d%n", done, secs, done / secs, done / streamThreadCpu, done / processCpu,
                peakHeap, peakRssKb() * 1024);
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
