package io.sluice.sink.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.FileSendOptions;
import io.sluice.device.FileSendResult;
import io.sluice.file.ReceivedFile;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.file.FileEvent;
import io.sluice.protocol.file.FileErrors;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.file.FileRecord;
import io.sluice.protocol.file.FileRecordJson;
import io.sluice.protocol.frame.ByteRange;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.FileStatus;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices send files through the real source connector and Kafka to the real sink connector,
 * which writes them to a folder on the worker and hands them to a PeerClient that writes them to
 * its own: every file arrives whole with the SHA-256 it was sent with, once.
 */
@ExtendWith(SharedKafka.class)
class FileTransferIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int SMALL_CHUNK = 64 << 10;
    private static final int BIG_CHUNK = 512 << 10;

    @TempDir
    Path root;

    /** The pipeline of one test: connectors, topics and a peer. */
    private final class Pipeline implements AutoCloseable {
        final String name = TestKafka.uniqueName("files");
        final String readings = name + "-readings";
        final String files = name + "-files";
        final String events = name + "-events";
        final String source = name + "-src";
        final String sink = name + "-sink";
        final int sourcePort = FilesIt.freePort();
        final int sinkPort = FilesIt.freePort();
        final Path sinkFolder = root.resolve("worker-folder");
        final Path peerFolder = root.resolve("peer-folder");
        final Map<String, ReceivedFile> atPeer = new ConcurrentHashMap<>();
        final EmbeddedConnectCluster connect;
        final List<DeviceClient> devices = new ArrayList<>();
        PeerClient peer;

        Pipeline(EmbeddedConnectCluster connect, Map<String, String> sourceExtra) throws Exception {
            this.connect = connect;
            connect.kafka().createTopic(readings, 1);
            connect.kafka().createTopic(files, 3);
            Map<String, String> src = FilesIt.sourceProps(readings, files, sourcePort);
            src.putAll(sourceExtra);
            FilesIt.start(connect, source, src);
            Map<String, String> snk = FilesIt.sinkProps(connect, files, name + "-endpoints", sinkPort);
            snk.put("files.destination.folder", sinkFolder.toString());
            snk.put("files.events.topic", events);
            FilesIt.start(connect, sink, snk);
            peer = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", sinkPort))
                    .peerName(name + "-peer").topics(files).ackInterval(Duration.ofMillis(50))
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).filesFolder(peerFolder)
                    .fileListener(f -> atPeer.put(f.fileId(), f)).build());
            assertThat(peer.awaitSubscribed(WAIT)).isTrue();
        }

        DeviceClient device(String id) throws InterruptedException {
            DeviceClient d = DeviceClient.start(DeviceClientConfig.builder(id, new InetSocketAddress("127.0.0.1", sourcePort))
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(500)).build());
            devices.add(d);
            assertThat(d.awaitConnected(WAIT)).isTrue();
            return d;
        }

        @Override
        public void close() throws Exception {
            devices.forEach(DeviceClient::closeNow);
            if (peer != null) {
                peer.closeNow();
            }
            connect.deleteConnector(source);
            connect.deleteConnector(sink);
        }
    }

    private record Sent(String fileId, Path path, String sha, int chunks, CompletableFuture<FileSendResult> result) {
    }

    @Test
    void filesOfEverySizeFromSeveralDevicesArriveWholeAtThePeerTheWorkerFolderAndTheEventsTopic(EmbeddedConnectCluster connect)
            throws Exception {
        Path in = Files.createDirectory(root.resolve("to-send"));
        try (Pipeline p = new Pipeline(connect, Map.of())) {
            List<Sent> sent = new ArrayList<>();
            DeviceClient cam = p.device(p.name + "-cam");
            // the boundaries: empty, one byte, exactly one chunk, one chunk and a byte
            for (long size : new long[] {0, 1, SMALL_CHUNK, SMALL_CHUNK + 1}) {
                sent.add(send(cam, FilesIt.file(in, "size-" + size + ".bin", size, size), "size-" + size, SMALL_CHUNK));
            }
            sent.add(send(cam, FilesIt.file(in, "fifty.bin", 50L << 20, 50), "fifty", BIG_CHUNK));
            // two more devices, two files each, all at once, while the first sends readings too
            for (String d : List.of("-a", "-b")) {
                DeviceClient dev = p.device(p.name + d);
                for (int i = 0; i < 2; i++) {
                    sent.add(send(dev, FilesIt.file(in, d + i + ".log", 3_000_000 + i, d.hashCode() + i), "f" + d + i, SMALL_CHUNK));
                }
            }
            for (int i = 0; i < 1_000; i++) {
                cam.send("temp", i, System.currentTimeMillis(), Map.of());
            }

            for (Sent s : sent) {
                FileSendResult r = s.result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(r.sha256Hex()).as(s.fileId).isEqualTo(s.sha);
                assertThat(r.chunks()).isEqualTo(s.chunks);
                assertThat(r.chunksSent()).as("%s: every chunk once", s.fileId).isEqualTo(s.chunks);
            }
            assertThat(cam.flush(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> p.atPeer.size() == sent.size());

            Path peerRoot = p.peerFolder.toRealPath();
            for (Sent s : sent) {
                ReceivedFile f = p.atPeer.get(s.fileId);
                assertThat(f.sha256Hex()).isEqualTo(s.sha);
                assertThat(f.path().startsWith(peerRoot)).isTrue();
                assertThat(f.path().getFileName().toString()).isEqualTo(s.path.getFileName().toString());
                assertThat(FilesIt.sha256(f.path())).as("bytes at the peer of %s", s.fileId).isEqualTo(s.sha);
            }
            int chunks = sent.stream().mapToInt(Sent::chunks).sum();
            // the peer wrote every chunk once; the files topic holds every chunk once and a marker per file
            await().atMost(WAIT).until(() -> p.peer.fileStats().chunksWritten() == chunks);
            assertThat(p.peer.fileStats().filesCompleted()).isEqualTo(sent.size());
            List<FileRecord> records = FilesIt.fileRecords(p.connect, p.files);
            assertThat(records.stream().filter(FileRecord.Chunk.class::isInstance).count()).isEqualTo(chunks);
            assertThat(records.stream().filter(FileRecord.Marker.class::isInstance).map(r -> (FileRecord.Marker) r))
                    .hasSize(sent.size()).allMatch(FileRecord.Marker::complete);
            Map<String, Long> distinct = records.stream().filter(FileRecord.Chunk.class::isInstance).map(FileRecord.Chunk.class::cast)
                    .collect(Collectors.groupingBy(FileRecord::fileId, Collectors.mapping(FileRecord.Chunk::offset,
                            Collectors.collectingAndThen(Collectors.toSet(), s -> (long) s.size()))));
            for (Sent s : sent) {
                assertThat(distinct.get(s.fileId)).as(s.fileId).isEqualTo(s.chunks);
            }
            // the worker's own folder, and one event per file naming where it is
            await().atMost(WAIT).until(() -> FilesIt.events(p.connect, p.events).size() == sent.size());
            Map<String, FileEvent> events = FilesIt.events(p.connect, p.events).stream()
                    .collect(Collectors.toMap(FileEvent::fileId, e -> e));
            for (Sent s : sent) {
                FileEvent e = events.get(s.fileId);
                assertThat(e.event()).isEqualTo(FileEvent.COMPLETE);
                assertThat(e.sha256()).isEqualTo(s.sha);
                assertThat(e.chunks()).isEqualTo(s.chunks);
                assertThat(e.path()).isNotNull();
                assertThat(FilesIt.sha256(Path.of(e.path()))).as("bytes on the worker of %s", s.fileId).isEqualTo(s.sha);
            }
            // readings went on alongside, every one
            assertThat(FilesIt.readAll(p.connect, p.readings)).hasSize(1_000);
            assertThat(cam.fileStats().committedResent()).isZero();
            assertThat(FilesIt.metric(p.source, "files-completed-total")).isEqualTo(sent.size());
            assertThat(FilesIt.metric(p.source, "file-chunks-out-total")).isEqualTo(chunks);
            assertThat(FilesIt.metric(p.sink, "files-completed-total")).isEqualTo(sent.size());
            assertThat(FilesIt.metric(p.sink, "file-chunks-delivered-total")).isGreaterThanOrEqualTo(chunks);
            assertThat(FilesIt.metric(p.sink, "file-events-total")).isEqualTo(sent.size());
        }
    }

    private static Sent send(DeviceClient d, Path file, String id, int chunk) throws Exception {
        long size = Files.size(file);
        int chunks = new FileLayout(size, chunk).chunkCount();
        return new Sent(id, file, FilesIt.sha256(file), chunks, d.sendFile(file, FileSendOptions.defaults().withFileId(id)
                .withChunkBytes(chunk)));
    }

    @Test
    void badNamesOversizeFilesAndBadChunksGetClearErrorsNothingLeavesTheFoldersAndOtherTransfersGoOn(
            EmbeddedConnectCluster connect) throws Exception {
        Path in = Files.createDirectory(root.resolve("to-send"));
        try (Pipeline p = new Pipeline(connect, Map.of("files.max.bytes", Integer.toString(1 << 20)))) {
            DeviceClient good = p.device(p.name + "-good");
            Sent ok = send(good, FilesIt.file(in, "good.bin", 900_000, 1), "good", SMALL_CHUNK);
            DeviceClient bad = p.device(p.name + "-bad");
            Path small = FilesIt.file(in, "small.bin", 100, 2);
            assertRefused(bad.sendFile(small, FileSendOptions.defaults().withName("../../etc/passwd")), ErrorCode.BAD_FILE_NAME,
                    "has a '..' segment");
            assertRefused(bad.sendFile(small, FileSendOptions.defaults().withName("/etc/passwd")), ErrorCode.BAD_FILE_NAME,
                    "is an absolute path");
            assertRefused(bad.sendFile(small, FileSendOptions.defaults().withName("a\u0000b.txt")), ErrorCode.BAD_FILE_NAME,
                    "control character (NUL)");
            assertRefused(bad.sendFile(small, FileSendOptions.defaults().withName("x".repeat(10_240))), ErrorCode.BAD_FILE_NAME,
                    "10240 bytes of UTF-8, the limit is 1024");
            assertRefused(bad.sendFile(FilesIt.file(in, "big.bin", (1 << 20) + 1, 3)), ErrorCode.FILE_TOO_LARGE,
                    "the file is 1048577 bytes, the limit is 1048576 (files.max.bytes)");

            rawDeviceGetsPreciseChunkErrorsAndCompletes(p);

            // records that did not come through the source (another producer) with hostile names: sanitized by every receiver
            Map<String, String> hostile = new LinkedHashMap<>();
            hostile.put("h1", "../../etc/passwd");
            hostile.put("h2", "/abs/evil.sh");
            hostile.put("h3", "nul\u0000.txt");
            hostile.put("h4", "y".repeat(10_240));
            produceDirectly(p, hostile);

            assertThat(ok.result.get(WAIT.toSeconds(), TimeUnit.SECONDS).sha256Hex()).isEqualTo(ok.sha);
            await().atMost(WAIT).until(() -> p.atPeer.keySet().containsAll(List.of("good", "raw", "h1", "h2", "h3", "h4")));
            assertThat(FilesIt.sha256(p.atPeer.get("good").path())).isEqualTo(ok.sha);
            Map<String, String> names = new HashMap<>();
            p.atPeer.forEach((id, f) -> names.put(id, p.peerFolder.toAbsolutePath().relativize(f.path()).toString()));
            assertThat(names).containsEntry("h1", "passwd").containsEntry("h2", "evil.sh").containsEntry("h3", "nul_.txt")
                    .containsEntry("h4", "y".repeat(200));
            // nothing anywhere but in the two folders (and the files the test sent from)
            await().atMost(WAIT).until(() -> FilesIt.events(p.connect, p.events).size() == 6);
            try (Stream<Path> all = Files.walk(root)) {
                List<Path> written = all.filter(Files::isRegularFile).filter(f -> !f.startsWith(in)).toList();
                assertThat(written).allMatch(f -> f.startsWith(p.sinkFolder) || f.startsWith(p.peerFolder));
                assertThat(written).noneMatch(f -> f.getFileName().toString().contains("\u0000"));
            }
            assertThat(Files.exists(root.resolve("etc"))).isFalse();
            assertThat(Files.readAllBytes(p.sinkFolder.resolve("passwd"))).hasSize(10);

            assertThat(FilesIt.metric(p.source, "errors-sent-total", Map.of("code", "BAD_FILE_NAME"))).isEqualTo(3);
            assertThat(FilesIt.metric(p.source, "errors-sent-total", Map.of("code", "FILE_TOO_LARGE"))).isEqualTo(1);
            assertThat(FilesIt.metric(p.source, "errors-sent-total", Map.of("code", "CHUNK_CHECKSUM"))).isEqualTo(1);
            assertThat(FilesIt.metric(p.source, "errors-sent-total", Map.of("code", "CHUNK_OUT_OF_RANGE"))).isEqualTo(1);
            assertThat(FilesIt.metric(p.source, "file-checksum-failures-total")).isEqualTo(1);
            assertThat(FilesIt.metric(p.source, "files-completed-total")).isEqualTo(2);
            assertThat(good.fileStats().chunksRefused()).isZero();
        }
    }

    private static void assertRefused(CompletableFuture<FileSendResult> f, ErrorCode code, String message) {
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining(message);
    }

    /** A device speaking the protocol by hand: a chunk with a wrong CRC, one out of range, then the right ones. */
    private static void rawDeviceGetsPreciseChunkErrorsAndCompletes(Pipeline p) throws Exception {
        byte[] content = new byte[3 * 1024];
        new Random(9).nextBytes(content);
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(content);
        try (Socket s = new Socket("127.0.0.1", p.sourcePort)) {
            s.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            write(s, new Hello(ProtocolVersion.CURRENT, p.name + "-raw", ""));
            assertThat(read(in)).isInstanceOf(HelloOk.class);
            write(s, new FileInit("raw", "raw.bin", content.length, sha, 1024));
            assertThat(until(in, FileStatus.class)).isEqualTo(new FileStatus("raw", List.of(), false));
            write(s, chunk(content, 0, true));
            ErrorFrame crc = until(in, ErrorFrame.class);
            assertThat(crc.code()).isEqualTo(ErrorCode.CHUNK_CHECKSUM);
            assertThat(crc.seq()).isZero();
            assertThat(FileErrors.fileIdOf(crc)).isEqualTo("raw");
            assertThat(crc.message()).contains("send the chunk again");
            for (int i = 0; i < 3; i++) {
                write(s, chunk(content, i, false));
            }
            write(s, new FileChunk("raw", 5000, 0, new byte[10]));
            ErrorFrame range = until(in, ErrorFrame.class);
            assertThat(range.code()).isEqualTo(ErrorCode.CHUNK_OUT_OF_RANGE);
            assertThat(range.message()).contains("no chunk starts at offset 5000");
            FileStatus st;
            do {
                st = until(in, FileStatus.class);
            } while (!st.committed().equals(List.of(new ByteRange(0, content.length))));
            write(s, new FileFin("raw"));
            do {
                st = until(in, FileStatus.class);
            } while (!st.complete());

            // a name longer than the frame layout allows is malformed: fatal for this connection only
            byte[] id = "long".getBytes(StandardCharsets.UTF_8);
            byte[] name = "n".repeat(10_240).getBytes(StandardCharsets.UTF_8);
            ByteBuf b = Unpooled.buffer();
            b.writeInt(0).writeByte(0x10).writeShort(id.length).writeBytes(id).writeShort(name.length).writeBytes(name)
                    .writeLong(1).writeBytes(new byte[32]).writeInt(1024);
            b.setInt(0, b.readableBytes() - 4);
            s.getOutputStream().write(b.array(), 0, b.readableBytes());
            ErrorFrame fatal = until(in, ErrorFrame.class);
            assertThat(fatal.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(fatal.message()).contains("'name' is 10240 bytes, the limit is 1024");
            assertThatThrownBy(() -> read(in)).isInstanceOf(EOFException.class);
        }
    }

    private static FileChunk chunk(byte[] content, int i, boolean corrupt) {
        byte[] data = java.util.Arrays.copyOfRange(content, i * 1024, (i + 1) * 1024);
        CRC32C crc = new CRC32C();
        crc.update(data);
        return new FileChunk("raw", i * 1024L, (int) crc.getValue() ^ (corrupt ? 1 : 0), data);
    }

    private static void write(Socket s, Frame f) throws Exception {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        s.getOutputStream().write(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
    }

    private static Frame read(DataInputStream in) throws Exception {
        int len = in.readInt();
        byte[] payload = new byte[len];
        in.readFully(payload);
        return FrameCodec.decode(Unpooled.wrappedBuffer(payload), ProtocolLimits.DEFAULTS);
    }

    /** The next frame of that type, skipping others (acks, statuses). */
    private static <T extends Frame> T until(DataInputStream in, Class<T> type) throws Exception {
        while (true) {
            Frame f = read(in);
            if (type.isInstance(f)) {
                return type.cast(f);
            }
        }
    }

    /** Whole files as another producer could write them to the files topic. */
    private static void produceDirectly(Pipeline p, Map<String, String> names) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = p.connect.kafka().createProducer(Map.of("acks", "all"))) {
            for (Map.Entry<String, String> e : names.entrySet()) {
                byte[] content = new byte[10];
                new Random(e.getKey().hashCode()).nextBytes(content);
                byte[] sha = MessageDigest.getInstance("SHA-256").digest(content);
                CRC32C crc = new CRC32C();
                crc.update(content);
                byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(p.files, key, FileRecordJson.write(new FileRecord.Chunk("other-producer", e.getKey(),
                        e.getValue(), 10, sha, 1024, 0, (int) crc.getValue(), content))));
                producer.send(new ProducerRecord<>(p.files, key, FileRecordJson.write(new FileRecord.Marker("other-producer",
                        e.getKey(), e.getValue(), 10, sha, 1024, 1, true))));
            }
            producer.flush();
        }
    }
}
