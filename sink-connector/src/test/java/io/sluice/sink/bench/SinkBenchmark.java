package io.sluice.sink.bench;

import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.sink.SluiceSinkConnector;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.testkit.ConnectClusters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;

/**
 * Records per second the sink delivers to 1 and to N peers, against Kafka's own
 * {@code ConsumerPerformance} reading the same topic on the same broker in the same run, with
 * the peak heap and RSS of the JVM (which holds the broker, the Connect worker, the peers and
 * the raw consumer alike). Not a test: run it by hand (see docs/BENCHMARKS.md) and copy the
 * table it prints.
 *
 * <p>Each scenario: a fresh topic (4 partitions); the connector starts on it empty and the peers
 * subscribe; the connector is paused; the records are produced; ConsumerPerformance reads them
 * all; the connector is resumed and the clock runs until every peer has every record. So both
 * read the same records from the same log, and the sink's figure is its steady delivery rate,
 * not its start-up.
 */
public final class SinkBenchmark {
    /** What one scenario measured. */
    public record Result(String scenario, long records, int peers, double rawPerSecond, double sinkPerSecondPerPeer,
            long peakHeapBytes, long peakRssBytes) {
        double ratio() {
            return sinkPerSecondPerPeer / rawPerSecond;
        }
    }

    private final EmbeddedConnectCluster connect;
    private final PrintStream log;
    private int scenarioCount;

    public SinkBenchmark(EmbeddedConnectCluster connect, PrintStream log) {
        this.connect = connect;
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        long manyRecords = args.length > 1 ? Long.parseLong(args[1]) : records / 4;
        int many = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        String only = args.length > 3 ? args[3] : "ceiling,durable,live,many";
        EmbeddedConnectCluster connect = ConnectClusters.start("sink-bench", 1, Map.of());
        try {
            SinkBenchmark b = new SinkBenchmark(connect, System.err);
            List<Result> results = new ArrayList<>();
            b.run("warm-up (not reported)", Math.min(records, 200_000), 1, true);
            if (only.contains("ceiling")) {
                results.add(b.connectCeiling(records));
            }
            if (only.contains("durable")) {
                results.add(b.run("1 durable peer", records, 1, true));
            }
            if (only.contains("live")) {
                results.add(b.run("1 live-only peer", records, 1, false));
            }
            if (only.contains("many")) {
                results.add(b.run(many + " durable peers", manyRecords, many, true));
            }
            System.out.println(table(results));
        } finally {
            connect.stop();
        }
        System.exit(0);
    }

    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | records per peer | raw consumer (records/s) | sink, per peer (records/s) | sink, all peers (records/s) | ratio per peer / raw | peak heap | peak RSS |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %,.0f | %,.0f | %.2f | %d MiB | %d MiB |%n", r.scenario(),
                    r.records(), r.rawPerSecond(), r.sinkPerSecondPerPeer(), r.sinkPerSecondPerPeer() * r.peers(), r.ratio(),
                    r.peakHeapBytes() >> 20, r.peakRssBytes() >> 20));
        }
        return b.toString();
    }

    public Result run(String scenario, long records, int peers, boolean durable) throws Exception {
        int n = ++scenarioCount;
        String topic = "bench-" + n;
        String endpoints = "bench-endpoints-" + n;
        String name = "bench-sink-" + n;
        connect.kafka().createTopic(topic, 4);
        Map<String, String> props = new HashMap<>();
        props.put("connector.class", SluiceSinkConnector.class.getName());
        props.put("topics", topic);
        props.put("tasks.max", "1");
        props.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("consumer.override.max.poll.records", "2000");
        props.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, connect.kafka().bootstrapServers());
        props.put(SluiceSinkConfig.LISTENER_HOST_CONFIG, "127.0.0.1");
        props.put(SluiceSinkConfig.LISTENER_PORT_CONFIG, "0");
        props.put(SluiceSinkConfig.ENDPOINTS_TOPIC_CONFIG, endpoints);
        connect.configureConnector(name, props);
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning(name, 1, "bench sink did not start");
        InetSocketAddress endpoint = endpoint(endpoints, name);

        List<PeerClient> clients = new ArrayList<>();
        List<AtomicLong> counts = new ArrayList<>();
        long[] doneAt = new long[peers];
        try {
            for (int i = 0; i < peers; i++) {
                AtomicLong count = new AtomicLong();
                int idx = i;
                PeerClient c = PeerClient.start(PeerClientConfig.builder().endpoint(endpoint).topics(topic)
                        .peerName(durable ? "bench-" + i : "").build());
                c.onRecord(r -> {
                    if (count.incrementAndGet() == records) {
                        doneAt[idx] = System.nanoTime();
                    }
                });
                clients.add(c);
                counts.add(count);
            }
            for (PeerClient c : clients) {
                if (!c.awaitSubscribed(Duration.ofSeconds(60))) {
                    throw new IllegalStateException("peer did not subscribe");
                }
            }
            connect.pauseConnector(name);
            connect.assertions().assertConnectorAndExactlyNumTasksArePaused(name, 1, "bench sink did not pause");
            produce(topic, records);
            // the raw consumer's figure varies from run to run on a busy machine: the median of three
            double[] raws = {consumerPerformance(topic, records, 1), consumerPerformance(topic, records, 2),
                consumerPerformance(topic, records, 3)};
            java.util.Arrays.sort(raws);
            double raw = raws[1];

            System.gc();
            Sampler sampler = new Sampler();
            sampler.start();
            long t0 = System.nanoTime();
            connect.resumeConnector(name);
            long deadline = t0 + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < deadline && counts.stream().anyMatch(c -> c.get() < records)) {
                Thread.sleep(20); // a benchmark's clock, not a test's wait
            }
            sampler.stop();
            long last = 0;
            for (int i = 0; i < peers; i++) {
                if (counts.get(i).get() < records) {
                    throw new IllegalStateException(scenario + ": peer " + i + " got " + counts.get(i).get() + " of " + records);
                }
                last = Math.max(last, doneAt[i]);
            }
            double perPeer = records / ((last - t0) / 1e9);
            Result r = new Result(scenario, records, peers, raw, perPeer, sampler.peakHeap, sampler.peakRss);
            log.printf(Locale.ROOT, "%s: raw %,.0f/s, sink %,.0f/s per peer (x%d), ratio %.2f, heap %d MiB, RSS %d MiB%n",
                    scenario, raw, perPeer, peers, r.ratio(), r.peakHeapBytes() >> 20, r.peakRssBytes() >> 20);
            return r;
        } finally {
            clients.forEach(PeerClient::closeNow);
            connect.deleteConnector(name);
        }
    }

    /** Connect's own sink ceiling: a sink that only counts, same topic layout and settings, no peers. */
    public Result connectCeiling(long records) throws Exception {
        int n = ++scenarioCount;
        String topic = "bench-" + n;
        String name = "bench-count-" + n;
        connect.kafka().createTopic(topic, 4);
        Map<String, String> props = new HashMap<>();
        props.put("connector.class", CountingSinkConnector.class.getName());
        props.put("topics", topic);
        props.put("tasks.max", "1");
        props.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("consumer.override.max.poll.records", "2000");
        connect.configureConnector(name, props);
        connect.assertions().assertConnectorAndAtLeastNumTasksAreRunning(name, 1, "counting sink did not start");
        try {
            connect.pauseConnector(name);
            connect.assertions().assertConnectorAndExactlyNumTasksArePaused(name, 1, "counting sink did not pause");
            produce(topic, records);
            double[] raws = {consumerPerformance(topic, records, 1), consumerPerformance(topic, records, 2),
                consumerPerformance(topic, records, 3)};
            java.util.Arrays.sort(raws);
            AtomicLong count = CountingSinkConnector.count(name);
            System.gc();
            Sampler sampler = new Sampler();
            sampler.start();
            long t0 = System.nanoTime();
            connect.resumeConnector(name);
            long deadline = t0 + Duration.ofMinutes(10).toNanos();
            while (count.get() < records && System.nanoTime() < deadline) {
                Thread.sleep(5); // a benchmark's clock, not a test's wait
            }
            long t1 = System.nanoTime();
            sampler.stop();
            double rate = records / ((t1 - t0) / 1e9);
            Result r = new Result("Connect alone (a sink that only counts)", records, 1, raws[1], rate, sampler.peakHeap,
                    sampler.peakRss);
            log.printf(Locale.ROOT, "%s: raw %,.0f/s, connect %,.0f/s, ratio %.2f%n", r.scenario(), raws[1], rate, r.ratio());
            return r;
        } finally {
            connect.deleteConnector(name);
        }
    }

    private InetSocketAddress endpoint(String endpointsTopic, String connector) throws Exception {
        TopicPartition tp = new TopicPartition(endpointsTopic, 0);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(Map.of("group.id", "bench-" + endpointsTopic))) {
            while (System.nanoTime() < deadline) {
                if (c.assignment().isEmpty()) {
                    if (c.partitionsFor(endpointsTopic, Duration.ofSeconds(5)).isEmpty()) {
                        continue;
                    }
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith(connector + "/")) {
                        String e = io.sluice.protocol.json.Json.MAPPER.readTree(r.value()).get("endpoint").asText();
                        int colon = e.lastIndexOf(':');
                        return new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)));
                    }
                }
            }
        }
        throw new IllegalStateException("no endpoint published for " + connector);
    }

    /** About 150-byte aggregate-like JSON values, keyed by device, as fast as the producer goes. */
    private void produce(String topic, long records) {
        Map<String, Object> p = Map.of("acks", "1", "batch.size", 262_144, "linger.ms", 20, "buffer.memory", 64L << 20);
        try (KafkaProducer<byte[], byte[]> producer = connect.kafka().createProducer(p)) {
            for (long i = 0; i < records; i++) {
                String device = "device-" + (i % 1000);
                byte[] value = ("{\"device\":\"" + device + "\",\"metric\":\"temperature\",\"window_start\":" + (1_700_000_000_000L + i)
                        + ",\"window_end\":" + (1_700_000_010_000L + i) + ",\"count\":10,\"sum\":215.5,\"min\":20.1,\"max\":23.9,"
                        + "\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, device.getBytes(StandardCharsets.UTF_8), value));
            }
            producer.flush();
        }
    }

    /** Kafka's ConsumerPerformance on the same topic, from the start; its fetch rate (records/s, without the group join). */
    private double consumerPerformance(String topic, long records, int attempt) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            org.apache.kafka.tools.ConsumerPerformance.main(new String[] {"--bootstrap-server", connect.kafka().bootstrapServers(),
                "--topic", topic, "--num-records", Long.toString(records), "--timeout", "60000",
                "--group", "bench-raw-" + topic + "-" + attempt});
        } finally {
            System.setOut(original);
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        String[] header = lines[lines.length - 2].split(",\\s*");
        String[] values = lines[lines.length - 1].split(",\\s*");
        for (int i = 0; i < header.length; i++) {
            if (header[i].trim().equals("fetch.nMsg.sec")) {
                return Double.parseDouble(values[i].trim());
            }
        }
        throw new IllegalStateException("unexpected ConsumerPerformance output: " + out);
    }

    /** Peak heap used and RSS of this JVM, sampled every 50 ms. */
    static final class Sampler {
        volatile long peakHeap;
        volatile long peakRss;
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::loop, "bench-sampler");

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        private void loop() {
            while (running) {
                peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                peakRss = Math.max(peakRss, rss());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        static long rss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (Exception e) {
                return -1;
            }
            return -1;
        }
    }
}
