package io.sluice.bench;

import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.FileSendOptions;
import io.sluice.device.FileSendResult;
import io.sluice.file.ReceivedFile;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.quickstart.stack.StackException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Megabytes per second of one file from a device to a peer ({@code DeviceClient.sendFile} →
 * source connector → files topic → sink connector → {@code PeerClient} writing it to a folder,
 * SHA-256 checked) against {@code ProducerPerformance} writing records of the files topic's
 * average size (with Connect's source producer settings), in the same run, pair by pair.
 */
final class FileBench {
    static final String SECTION = "files";

    private final BenchStack stack;
    private final Figures figures;
    private final BenchCommand.Sizes sizes;
    private int run;

    FileBench(BenchStack stack, Figures figures, BenchCommand.Sizes sizes) {
        this.stack = stack;
        this.figures = figures;
        this.sizes = sizes;
    }

    void run(int runs) throws Exception {
        Figures.Pair pair = figures.pair(SECTION, "file device → peer vs ProducerPerformance with the files topic's record size, "
                + "Connect's producer settings", "file bytes", "ProducerPerformance", "MB/s", null);
        Figures.Series toKafka = figures.series(SECTION, "file, device → Kafka (file bytes / time to the source's completion)", "MB/s");
        Figures.Series topic = figures.series(SECTION, "files topic, record bytes written per second (base64 JSON)", "MB/s");
        if (sizes.warmUp) {
            transfer(Math.min(sizes.fileBytes, 20L << 20)); // warm-up, not reported
        }
        for (int i = 0; i < runs; i++) {
            double[] r = transfer(sizes.fileBytes);
            int recordSize = (int) r[3];
            String raw = "bench-files-raw-" + (++run);
            stack.createTopic(raw, 1, Map.of());
            double rawRate;
            try {
                rawRate = KafkaTools.producerPerformance(stack, raw, recordSize, Math.max(50, 2 * (long) r[4]), List.of("acks=all",
                        "max.in.flight.requests.per.connection=1", "max.request.size=" + (recordSize + 65_536)));
            } finally {
                stack.deleteTopics(List.of(raw));
            }
            pair.ours().add(r[0]);
            pair.reference().add(rawRate * recordSize / 1e6);
            toKafka.add(r[1]);
            topic.add(r[2]);
            System.err.printf("files run %d: %.1f MB/s to the peer, producer %.1f MB/s%n", i + 1, r[0], rawRate * recordSize / 1e6);
        }
        figures.note(SECTION, String.format("Settings: a file of %,d random bytes in 512 KiB chunks, default device window of %d "
                + "chunks; source and sink from `config/*-connector.properties` (`files.topic` / `files.topics` set); the peer writes "
                + "the file to a folder and the harness checks its SHA-256.%s", sizes.fileBytes,
                FileSendOptions.defaults().windowChunks(), sizes.warmUp ? " A 20 MB file goes first (not reported)." : ""));
    }

    /** {MB/s to the peer, MB/s to Kafka, topic MB/s, average record bytes, records}. */
    private double[] transfer(long fileBytes) throws Exception {
        int n = ++run;
        String files = "bench-files-" + n;
        String source = "bench-file-src-" + n;
        String sink = "bench-file-sink-" + n;
        stack.createTopic("bench-file-readings-" + n, 1, Map.of());
        stack.createTopic(files, 1, Map.of());
        int sourcePort = BenchStack.freePort();
        int sinkPort = BenchStack.freePort();
        stack.connect().deploy(stack.layout().config("source-connector.properties"), Map.of("name", source, "topic",
                "bench-file-readings-" + n, "files.topic", files, "listen.address", "127.0.0.1", "listen.port",
                Integer.toString(sourcePort), "line.listen.port", "-1", "poll.timeout.ms", "200"));
        stack.connect().deploy(stack.layout().config("sink-connector.properties"), Map.of("name", sink, "topics", files,
                "key.converter", "org.apache.kafka.connect.storage.StringConverter", "kafka.bootstrap.servers", stack.bootstrap(),
                "peer.listener.host", "127.0.0.1", "peer.listener.port", Integer.toString(sinkPort), "peer.endpoints.topic",
                "bench-file-endpoints-" + n, "files.topics", files, "errors.deadletterqueue.topic.name", "bench-file-dlq-" + n));
        Path work = stack.layout().dataDir().resolve("files");
        Files.createDirectories(work);
        Path file = write(work.resolve("send-" + n + ".bin"), fileBytes, n);
        try {
            stack.connect().awaitRunning(source, Duration.ofSeconds(60));
            stack.connect().awaitRunning(sink, Duration.ofSeconds(60));
            String sha = sha256(file);
            CompletableFuture<ReceivedFile> atPeer = new CompletableFuture<>();
            Path folder = work.resolve("peer-" + n);
            try (PeerClient peer = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", sinkPort))
                    .peerName("bench-file-peer-" + n).topics(files).filesFolder(folder).fileListener(atPeer::complete).build());
                    DeviceClient device = DeviceClient.start(DeviceClientConfig.builder("bench-cam-" + n,
                            new InetSocketAddress("127.0.0.1", sourcePort)).build())) {
                if (!peer.awaitSubscribed(Duration.ofSeconds(60)) || !device.awaitConnected(Duration.ofSeconds(60))) {
                    throw new StackException("the file peer or device did not connect");
                }
                long t0 = System.nanoTime();
                FileSendResult result = device.sendFile(file, FileSendOptions.defaults().withChunkBytes(512 << 10))
                        .get(30, TimeUnit.MINUTES);
                long t1 = System.nanoTime();
                ReceivedFile received = atPeer.get(30, TimeUnit.MINUTES);
                long t2 = System.nanoTime();
                if (!sha.equals(received.sha256Hex()) || !sha.equals(sha256(received.path()))) {
                    throw new StackException("the file at the peer differs from the file sent (SHA-256)");
                }
                long[] topic = topicBytes(files);
                Files.deleteIfExists(received.path());
                double toKafka = (t1 - t0) / 1e9;
                return new double[] {fileBytes / 1e6 / ((t2 - t0) / 1e9), fileBytes / 1e6 / toKafka, topic[1] / 1e6 / toKafka,
                    topic[0] == 0 ? 0 : (double) topic[1] / topic[0], topic[0], result.chunks()};
            }
        } finally {
            Files.deleteIfExists(file);
            stack.connect().delete(source);
            stack.connect().delete(sink);
            stack.deleteTopics(List.of(files, "bench-file-readings-" + n));
        }
    }

    /** Records of the files topic and the sum of their value sizes. */
    private long[] topicBytes(String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        long records = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", stack.bootstrap(),
                "max.partition.fetch.bytes", 8 << 20, "fetch.max.bytes", 64 << 20), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
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
}
