package io.sluice.sink.bench;

import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.FileSendOptions;
import io.sluice.device.FileSendResult;
import io.sluice.file.ReceivedFile;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.sink.SluiceSinkConnector;
import io.sluice.sink.config.SluiceSinkConfig;
import io.sluice.source.SluiceSourceConnector;
import io.sluice.testkit.ConnectClusters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * Megabytes per second of one file from a device to a peer (DeviceClient → source connector →
 * files topic → sink connector → PeerClient writing it to a folder), against Kafka's own
 * {@code ProducerPerformance} writing records of the same size to the same broker in the same
 * run. Not a test: run it by hand (see docs/BENCHMARKS.md); {@code FileTransferBenchSmokeIT}
 * keeps it working on a small file.
 */
public final class FileTransferBench {
    private static final AtomicLong peakHeap = new AtomicLong();
    private static final AtomicLong peakRss = new AtomicLong();

    /** What one transfer measured. */
    public record Result(long fileBytes, int chunkBytes, int chunks, double toKafkaSeconds, double toPeerSeconds, long records,
            long recordValueBytes, boolean shaMatches, long chunksResent) {
        public double peerMegabytesPerSecond() {
            return fileBytes / 1e6 / toPeerSeconds;
        }

        public double kafkaMegabytesPerSecond() {
            return fileBytes / 1e6 / toKafkaSeconds;
        }

        /** Record value bytes written to the files topic per second until the device was told the file is complete. */
        public double topicMegabytesPerSecond() {
            return recordValueBytes / 1e6 / toKafkaSeconds;
        }

        public long averageRecordBytes() {
            return records == 0 ? 0 : recordValueBytes / records;
        }
    }

    private final EmbeddedConnectCluster connect;
    private final Path work;
    private final PrintStream log;
    private int runs;
    /** Chunks the device sends ahead of the source's acknowledgement. */
    int window = FileSendOptions.defaults().windowChunks();

    public FileTransferBench(EmbeddedConnectCluster connect, Path work, PrintStream log) {
        this.connect = connect;
        this.work = work;
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        long megabytes = args.length > 0 ? Long.parseLong(args[0]) : 100;
        int chunk = args.length > 1 ? Integer.parseInt(args[1]) : 512 << 10;
        int window = args.length > 2 ? Integer.parseInt(args[2]) : FileSendOptions.defaults().windowChunks();
        Thread sampler = new Thread(FileTransferBench::sample, "memory-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Path work = Files.createTempDirectory("sluice-file-bench");
        EmbeddedConnectCluster connect = ConnectClusters.start("file-bench", 1, Map.of());
        List<String> report = new ArrayList<>();
        try {
            FileTransferBench b = new FileTransferBench(connect, work, System.err);
            b.window = window;
            b.run(20L << 20, chunk); // warm-up, not reported
            peakHeap.set(0);
            peakRss.set(0);
            Result r = b.run(megabytes * 1_000_000, chunk);
            long heap = peakHeap.get();
            long rss = peakRss.get();
            int recordSize = (int) r.averageRecordBytes();
            long rawRecords = Math.max(50, 2 * r.records());
            String bootstrap = connect.kafka().bootstrapServers();
            connect.kafka().createTopic("file-bench-raw-connect", 1);
            double rawConnect = producerPerformance(bootstrap, "file-bench-raw-connect", recordSize, rawRecords,
                    List.of("acks=all", "max.in.flight.requests.per.connection=1", "max.request.size=" + (recordSize + 65_536)));
            connect.kafka().createTopic("file-bench-raw-default", 1);
            double rawDefault = producerPerformance(bootstrap, "file-bench-raw-default", recordSize, rawRecords,
                    List.of("acks=all", "max.request.size=" + (recordSize + 65_536)));
            double rawConnectMb = rawConnect * recordSize / 1e6;
            double rawDefaultMb = rawDefault * recordSize / 1e6;
            report.add(String.format(Locale.ROOT, "machine: %d cores, %s %s, max heap %d MiB",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                    Runtime.getRuntime().maxMemory() >> 20));
            report.add(String.format(Locale.ROOT, "device window: %d chunks", window));
            report.add(String.format(Locale.ROOT, "file: %,d bytes in %d chunks of %d bytes; %d records (chunks and marker) of %,d "
                    + "bytes on average in the files topic; SHA-256 at the peer %s; chunks resent %d", r.fileBytes(), r.chunks(),
                    r.chunkBytes(), r.records(), recordSize, r.shaMatches() ? "matches" : "DIFFERS", r.chunksResent()));
            report.add(table(r, recordSize, rawConnect, rawConnectMb, rawDefault, rawDefaultMb));
            report.add(String.format(Locale.ROOT, "JVM (broker, worker, device, peer) during the measured run: peak heap %d MiB, "
                    + "peak RSS %d MiB", heap >> 20, rss >> 20));
        } finally {
            connect.stop();
        }
        System.out.println();
        System.out.println("=== Sluice file transfer benchmark ===");
        report.forEach(System.out::println);
        System.exit(0);
    }

    static String table(Result r, int recordSize, double rawConnect, double rawConnectMb, double rawDefault, double rawDefaultMb) {
        StringBuilder b = new StringBuilder();
        b.append("| what | MB/s |\n| --- | ---: |\n");
        b.append(String.format(Locale.ROOT, "| file, device → peer's folder (file bytes / time to the peer's listener) | %.1f |%n",
                r.peerMegabytesPerSecond()));
        b.append(String.format(Locale.ROOT, "| file, device → Kafka (file bytes / time to the source's completion) | %.1f |%n",
                r.kafkaMegabytesPerSecond()));
        b.append(String.format(Locale.ROOT, "| files topic, record bytes written per second (base64 JSON) | %.1f |%n",
                r.topicMegabytesPerSecond()));
        b.append(String.format(Locale.ROOT, "| ProducerPerformance, %,d-byte records, acks=all, 1 in flight (Connect's settings): "
                + "%.1f records/s | %.1f |%n", recordSize, rawConnect, rawConnectMb));
        b.append(String.format(Locale.ROOT, "| ProducerPerformance, %,d-byte records, producer defaults: %.1f records/s | %.1f |%n",
                recordSize, rawDefault, rawDefaultMb));
        b.append(String.format(Locale.ROOT, "%nratios: device → peer / raw (Connect's settings) %.2f, / raw (defaults) %.2f; "
                + "topic bytes / raw (Connect's settings) %.2f", r.peerMegabytesPerSecond() / rawConnectMb,
                r.peerMegabytesPerSecond() / rawDefaultMb, r.topicMegabytesPerSecond() / rawConnectMb));
        return b.toString();
    }

    /** One file through a fresh pair of connectors. */
    public Result run(long fileBytes, int chunkBytes) throws Exception {
        int n = ++runs;
        String files = "file-bench-files-" + n;
        String source = "file-bench-src-" + n;
        String sink = "file-bench-sink-" + n;
        connect.kafka().createTopic("file-bench-readings-" + n, 1);
        connect.kafka().createTopic(files, 1);
        int sourcePort = freePort();
        int sinkPort = freePort();
        Map<String, String> src = new HashMap<>();
        src.put("connector.class", SluiceSourceConnector.class.getName());
        src.put("tasks.max", "1");
        src.put("topic", "file-bench-readings-" + n);
        src.put("files.topic", files);
        src.put("listen.address", "127.0.0.1");
        src.put("listen.port", Integer.toString(sourcePort));
        src.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        src.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        src.put("value.converter.schemas.enable", "false");
        src.put("poll.timeout.ms", "200");
        connect.configureConnector(source, src);
        Map<String, String> snk = new HashMap<>();
        snk.put("connector.class", SluiceSinkConnector.class.getName());
        snk.put("topics", files);
        snk.put("tasks.max", "1");
        snk.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        snk.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        snk.put(SluiceSinkConfig.BOOTSTRAP_CONFIG, connect.kafka().bootstrapServers());
        snk.put(SluiceSinkConfig.LISTENER_HOST_CONFIG, "127.0.0.1");
        snk.put(SluiceSinkConfig.LISTENER_PORT_CONFIG, Integer.toString(sinkPort));
        snk.put(SluiceSinkConfig.ENDPOINTS_TOPIC_CONFIG, "file-bench-endpoints-" + n);
        snk.put(SluiceSinkConfig.FILES_TOPICS_CONFIG, files);
        connect.configureConnector(sink, snk);
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(source, 1, "bench source did not start");
        connect.assertions().assertConnectorAndExactlyNumTasksAreRunning(sink, 1, "bench sink did not start");

        Path file = write(work.resolve("send-" + n + ".bin"), fileBytes, n);
        String sha = sha256(file);
        CompletableFuture<ReceivedFile> atPeer = new CompletableFuture<>();
        Path folder = work.resolve("peer-" + n);
        try (PeerClient peer = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", sinkPort))
                .peerName("bench-peer-" + n).topics(files).filesFolder(folder).fileListener(atPeer::complete).build());
                DeviceClient device = DeviceClient.start(DeviceClientConfig.builder("bench-cam-" + n,
                        new InetSocketAddress("127.0.0.1", sourcePort)).build())) {
            if (!peer.awaitSubscribed(Duration.ofSeconds(60)) || !device.awaitConnected(Duration.ofSeconds(60))) {
                throw new IllegalStateException("peer or device did not connect");
            }
            log.printf("run %d: sending %,d bytes in chunks of %,d%n", n, fileBytes, chunkBytes);
            long t0 = System.nanoTime();
            CompletableFuture<FileSendResult> sent = device.sendFile(file, FileSendOptions.defaults().withChunkBytes(chunkBytes)
                    .withWindowChunks(window));
            FileSendResult result = sent.get(30, TimeUnit.MINUTES);
            long t1 = System.nanoTime();
            ReceivedFile received = atPeer.get(30, TimeUnit.MINUTES);
            long t2 = System.nanoTime();
            boolean same = sha.equals(received.sha256Hex()) && sha.equals(sha256(received.path()));
            long[] topic = topicBytes(files);
            Result r = new Result(fileBytes, chunkBytes, result.chunks(), (t1 - t0) / 1e9, (t2 - t0) / 1e9, topic[0], topic[1], same,
                    result.chunksResent());
            log.printf(Locale.ROOT, "run %d: to Kafka %.2f s, to the peer %.2f s: %.1f MB/s%n", n, r.toKafkaSeconds(),
                    r.toPeerSeconds(), r.peerMegabytesPerSecond());
            Files.deleteIfExists(received.path());
            return r;
        } finally {
            Files.deleteIfExists(file);
            connect.deleteConnector(source);
            connect.deleteConnector(sink);
        }
    }

    /** Records of the files topic and the sum of their value sizes. */
    private long[] topicBytes(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        long records = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(Map.of("group.id", topic + "-measure",
                "max.partition.fetch.bytes", 8 << 20, "fetch.max.bytes", 64 << 20))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    records++;
                    bytes += r.serializedValueSize();
                }
            }
        }
        return new long[] {records, bytes};
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static Path write(Path p, long size, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; ) {
                int k = (int) Math.min(buf.length, left);
                r.nextBytes(buf);
                out.write(buf, 0, k);
                left -= k;
            }
        }
        return p;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static double producerPerformance(String bootstrap, String topic, int recordSize, long records, List<String> props)
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
        System.err.println("ProducerPerformance: " + last);
        return Double.parseDouble(last.substring(last.indexOf(',') + 1).trim().split(" ")[0]);
    }

    private static void sample() {
        var mem = ManagementFactory.getMemoryMXBean();
        while (true) {
            peakHeap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        peakRss.accumulateAndGet(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024, Math::max);
                    }
                }
                Thread.sleep(200);
            } catch (Exception e) {
                return;
            }
        }
    }
}
