package io.sluice.source.bench;

import io.sluice.device.sim.DeviceFleet;
import io.sluice.source.SluiceSourceConnector;
import io.sluice.testkit.ConnectClusters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * Readings per second into Kafka through the source connector (simulated devices, batch frames
 * and one reading per frame) against Kafka's own {@code ProducerPerformance} with the same
 * record size, on the same broker, in the same run. Prints the figures, the ratios, and the
 * heap and RSS of the JVM that runs the worker. A runnable main, not a test:
 *
 * <pre>
 * ./mvnw -q -pl source-connector -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test -DskipTests
 * java -Xmx2g -cp source-connector/target/test-classes:source-connector/target/classes:$(cat source-connector/target/cp.txt) \
 *     io.sluice.source.bench.SourceIngestBench [seconds-per-run] [devices]
 * </pre>
 */
public final class SourceIngestBench {
    private static final AtomicLong peakHeap = new AtomicLong();
    private static final AtomicLong peakRss = new AtomicLong();

    private SourceIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Thread sampler = new Thread(SourceIngestBench::sample, "memory-sampler");
        sampler.setDaemon(true);
        sampler.start();
        EmbeddedConnectCluster connect = ConnectClusters.start("bench", 1, Map.of());
        List<String> report = new ArrayList<>();
        try {
            String bootstrap = connect.kafka().bootstrapServers();
            report.add(String.format(Locale.ROOT, "machine: %d cores, %s %s, max heap %d MiB; %d devices, %d s per run",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                    Runtime.getRuntime().maxMemory() >> 20, devices, seconds));

            Run batch = connectorRun(connect, "bench-batch", devices, 500, seconds);
            report.add(batch.describe("connector, batch frames (500 readings)"));
            Run single = connectorRun(connect, "bench-single", devices, 1, seconds);
            report.add(single.describe("connector, one reading per frame"));

            int recordSize = (int) Math.round(batch.avgValueBytes);
            connect.kafka().createTopic("bench-raw-connect", 1);
            double rawConnectLike = producerPerformance(bootstrap, "bench-raw-connect", recordSize, 2_000_000,
                    List.of("acks=all", "max.in.flight.requests.per.connection=1"));
            report.add(String.format(Locale.ROOT, "ProducerPerformance, %d-byte records, acks=all, 1 request in flight (Connect's "
                    + "producer settings): %.0f records/s", recordSize, rawConnectLike));
            connect.kafka().createTopic("bench-raw-default", 1);
            double rawDefault = producerPerformance(bootstrap, "bench-raw-default", recordSize, 2_000_000, List.of("acks=all"));
            report.add(String.format(Locale.ROOT, "ProducerPerformance, %d-byte records, producer defaults (acks=all, 5 in flight): "
                    + "%.0f records/s", recordSize, rawDefault));
            report.add(String.format(Locale.ROOT, "ratio batch frames / raw (Connect's settings): %.2f; / raw (defaults): %.2f",
                    batch.rate / rawConnectLike, batch.rate / rawDefault));
            report.add(String.format(Locale.ROOT, "ratio one reading per frame / raw (Connect's settings): %.2f; / raw (defaults): %.2f",
                    single.rate / rawConnectLike, single.rate / rawDefault));
            report.add(String.format(Locale.ROOT, "JVM with broker + worker + devices: peak heap used %d MiB, peak RSS %d MiB",
                    peakHeap.get() >> 20, peakRss.get() >> 20));
        } finally {
            connect.stop();
        }
        System.out.println();
        System.out.println("=== Sluice source ingest benchmark ===");
        report.forEach(System.out::println);
    }

    record Run(long readings, double seconds, double rate, double avgValueBytes, long resent) {
        String describe(String what) {
            return String.format(Locale.ROOT, "%s: %d readings acknowledged in %.1f s = %.0f readings/s (record value %.0f bytes)", what,
                    readings, seconds, rate, avgValueBytes);
        }
    }

    private static Run connectorRun(EmbeddedConnectCluster connect, String name, int devices, int batch, int seconds) throws Exception {
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 1);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> p = new HashMap<>();
        p.put("connector.class", SluiceSourceConnector.class.getName());
        p.put("tasks.max", "1");
        p.put("topic", topic);
        p.put("listen.address", "127.0.0.1");
        p.put("listen.port", Integer.toString(port));
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter.schemas.enable", "false");
        connect.configureConnector(name, p);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(name, 1, "bench connector did not start");

        DeviceFleet.Settings s = new DeviceFleet.Settings(List.of(new InetSocketAddress("127.0.0.1", port)), devices, name + "-", 0, 0,
                Duration.ofSeconds(seconds), List.of("temperature", "humidity"), batch, Duration.ofMillis(batch == 1 ? 0 : 5),
                Math.max(10_000, batch * 4), "", null, 1);
        long t0 = System.nanoTime();
        long acked;
        long resent;
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            fleet.awaitGenerated(Duration.ofSeconds(seconds + 60L));
            fleet.flush(Duration.ofSeconds(120));
            acked = fleet.stats().acked();
            resent = fleet.stats().resent();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double avg = averageValueBytes(connect.kafka().bootstrapServers(), topic);
        connect.deleteConnector(name);
        return new Run(acked, secs, acked / secs, avg, resent);
    }

    private static double averageValueBytes(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long n = 0;
            long bytes = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (n < 10_000 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    n++;
                    bytes += r.value().length;
                }
            }
            return n == 0 ? 0 : (double) bytes / n;
        }
    }

    /** Runs Kafka's ProducerPerformance in this JVM and returns its records/s. */
    private static double producerPerformance(String bootstrap, String topic, int recordSize, long records, List<String> props)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(records), "--record-size",
                Integer.toString(recordSize), "--throughput", "-1", "--producer-props", "bootstrap.servers=" + bootstrap));
        args.addAll(props);
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ProducerPerformance.main(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        String last = out.lines().filter(l -> l.contains("records sent")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("no summary from ProducerPerformance: " + out));
        stdout.println("ProducerPerformance: " + last);
        String rate = last.substring(last.indexOf(',') + 1).trim().split(" ")[0];
        return Double.parseDouble(rate);
    }

    private static void sample() {
        var mem = ManagementFactory.getMemoryMXBean();
        while (true) {
            peakHeap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        peakRss.accumulateAndGet(kb * 1024, Math::max);
                    }
                }
                Thread.sleep(200);
            } catch (Exception e) {
                return;
            }
        }
    }
}
