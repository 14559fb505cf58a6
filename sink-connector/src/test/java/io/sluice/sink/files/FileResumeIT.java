package io.sluice.sink.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.DeviceFileStats;
import io.sluice.device.FileSendOptions;
import io.sluice.device.FileSendResult;
import io.sluice.file.ReceivedFile;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.file.FileRecord;
import io.sluice.testkit.ConnectClusters;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One file through three interruptions, on a dedicated Connect worker: the device's socket is
 * cut, the worker (source and sink tasks) is restarted, the peer is killed and started again.
 * The device never sends a chunk the source had acknowledged, the files topic holds every chunk
 * exactly once, and the peers write every chunk exactly once.
 */
class FileResumeIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int CHUNK = 256 << 10;
    private static final int CHUNKS = 96;

    @TempDir
    Path root;

    @Test
    void aTransferSurvivesACutSocketAWorkerRestartAndAKilledPeerWithoutSendingOrWritingAChunkTwice() throws Exception {
        EmbeddedConnectCluster connect = ConnectClusters.start("sluice-files-resume", 1, Map.of());
        String files = "resume-files";
        int sourcePort = FilesIt.freePort();
        int sinkPort = FilesIt.freePort();
        Path folder = root.resolve("peer");
        List<ReceivedFile> received = new CopyOnWriteArrayList<>();
        DeviceClient device = null;
        PeerClient first = null;
        PeerClient second = null;
        try (TcpProxy slowLink = new TcpProxy(new InetSocketAddress("127.0.0.1", sourcePort), 2L << 20)) {
            connect.kafka().createTopic("resume-readings", 1);
            connect.kafka().createTopic(files, 1);
            FilesIt.start(connect, "resume-src", FilesIt.sourceProps("resume-readings", files, sourcePort));
            FilesIt.start(connect, "resume-sink", FilesIt.sinkProps(connect, files, "resume-endpoints", sinkPort));
            first = peer(sinkPort, folder, received);

            Path file = FilesIt.file(Files.createDirectory(root.resolve("out")), "camera.raw", (long) CHUNKS * CHUNK - 1000, 42);
            String sha = FilesIt.sha256(file);
            device = DeviceClient.start(DeviceClientConfig.builder("cam-resume", slowLink.address())
                    .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build());
            assertThat(device.awaitConnected(WAIT)).isTrue();
            CompletableFuture<FileSendResult> result = device.sendFile(file, FileSendOptions.defaults().withFileId("raw-1")
                    .withChunkBytes(CHUNK).withWindowChunks(4));

            // 1. the device's connection is cut
            awaitRecords(connect, files, 10);
            slowLink.cutAll();
            // 2. the worker running both connectors goes away and comes back
            awaitRecords(connect, files, 35);
            WorkerHandle worker = connect.workers().iterator().next();
            connect.removeWorker(worker);
            connect.addWorker();
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("resume-src", 1, "source did not come back");
            connect.assertions().assertConnectorAndExactlyNumTasksAreRunning("resume-sink", 1, "sink did not come back");
            // 3. the peer is killed (no last acks) and another one takes its name and folder
            PeerClient killed = first;
            await().atMost(WAIT).until(() -> killed.fileStats().chunksWritten() >= 45);
            assertThat(result).isNotDone();
            first.closeNow();
            second = peer(sinkPort, folder, received);

            FileSendResult r = result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> received.size() == 1);
            assertThat(received.get(0).sha256Hex()).isEqualTo(sha);
            assertThat(FilesIt.sha256(received.get(0).path())).isEqualTo(sha);

            // the device: reconnected twice, never sent what the source had acknowledged
            DeviceFileStats d = device.fileStats();
            assertThat(device.stats().connects()).isGreaterThanOrEqualTo(3);
            assertThat(d.committedResent()).isZero();
            assertThat(r.chunksSent()).isEqualTo(CHUNKS + r.chunksResent());
            // the files topic: every chunk exactly once, then the marker
            List<FileRecord> records = FilesIt.fileRecords(connect, files);
            List<FileRecord.Chunk> chunks = records.stream().filter(FileRecord.Chunk.class::isInstance)
                    .map(FileRecord.Chunk.class::cast).toList();
            assertThat(chunks).hasSize(CHUNKS);
            assertThat(chunks.stream().map(FileRecord.Chunk::offset).collect(Collectors.toSet())).hasSize(CHUNKS);
            assertThat(records.get(records.size() - 1)).isInstanceOfSatisfying(FileRecord.Marker.class,
                    m -> assertThat(m.complete()).isTrue());
            // the peers: every chunk written once between them; what came again was skipped
            long written = first.fileStats().chunksWritten() + second.fileStats().chunksWritten();
            assertThat(written).isEqualTo(CHUNKS);
            assertThat(second.fileStats().filesCompleted()).isEqualTo(1);
            System.out.printf("resume: device sent %d chunk frames (%d again, none acknowledged before), %d connects; "
                    + "peers wrote %d + %d chunks, skipped %d%n", r.chunksSent(), r.chunksResent(), device.stats().connects(),
                    first.fileStats().chunksWritten(), second.fileStats().chunksWritten(), second.fileStats().chunksSkipped());
        } finally {
            if (device != null) {
                device.closeNow();
            }
            if (first != null) {
                first.closeNow();
            }
            if (second != null) {
                second.closeNow();
            }
            connect.stop();
        }
    }

    private static PeerClient peer(int sinkPort, Path folder, List<ReceivedFile> received) throws InterruptedException {
        PeerClient p = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", sinkPort))
                .peerName("resume-peer").topics("resume-files").ackInterval(Duration.ofMillis(200))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).filesFolder(folder).fileListener(received::add)
                .build());
        assertThat(p.awaitSubscribed(WAIT)).isTrue();
        return p;
    }

    /** Waits until the files topic holds at least {@code n} records. */
    private static void awaitRecords(EmbeddedConnectCluster connect, String topic, long n) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(Map.of("group.id", "resume-probe"))) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> c.endOffsets(Set.of(tp), Duration.ofSeconds(10)).get(tp) >= n);
        }
    }
}
