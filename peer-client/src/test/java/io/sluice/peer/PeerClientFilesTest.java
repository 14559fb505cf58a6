package io.sluice.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.file.AssemblerStats;
import io.sluice.file.FileReceivedListener;
import io.sluice.file.ReceivedFile;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.FileDelivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PeerClient with a destination folder, against a scripted sink on a real socket. */
class PeerClientFilesTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final FakeSink sink = new FakeSink();
    final List<PeerClient> clients = new ArrayList<>();
    final List<ReceivedFile> received = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        clients.forEach(PeerClient::closeNow);
        sink.close();
    }

    PeerClient start(Path folder) throws InterruptedException {
        PeerClient c = PeerClient.start(PeerClientConfig.builder().endpoint(sink.address()).topics("files").peerName("filer")
                .ackInterval(Duration.ofMillis(20)).reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .filesFolder(folder).fileQueue(4, 1 << 20).fileListener(received::add).build());
        clients.add(c);
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        return c;
    }

    static List<FileDelivery> deliveries(String fileId, String name, byte[] content, int chunk, long firstOffset) throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(content);
        FileLayout l = new FileLayout(content.length, chunk);
        List<FileDelivery> out = new ArrayList<>();
        for (int i = 0; i < l.chunkCount(); i++) {
            byte[] data = Arrays.copyOfRange(content, (int) l.offsetOf(i), (int) l.offsetOf(i) + l.lengthOf(i));
            CRC32C crc = new CRC32C();
            crc.update(data);
            out.add(new FileDelivery("files", 0, firstOffset + i, "dev", fileId, name, content.length, sha, chunk, l.offsetOf(i),
                    (int) crc.getValue(), data));
        }
        return out;
    }

    @Test
    void deliveredChunksBecomeAVerifiedFileAcknowledgedOnceWritten() throws Exception {
        Path folder = dir.resolve("in");
        PeerClient c = start(folder);
        byte[] content = new byte[40_000];
        new Random(1).nextBytes(content);
        List<FileDelivery> ds = deliveries("f1", "../report.bin", content, 1000, 0);
        sink.sendFrames(ds);
        await().atMost(WAIT).until(() -> received.size() == 1);
        ReceivedFile f = received.get(0);
        assertThat(f.path()).isEqualTo(folder.toRealPath().resolve("report.bin"));
        assertThat(Files.readAllBytes(f.path())).isEqualTo(content);
        await().atMost(WAIT).until(() -> sink.lastAck("files", 0) == 39);
        AssemblerStats s = c.fileStats();
        assertThat(s.chunksWritten()).isEqualTo(40);
        assertThat(s.filesCompleted()).isEqualTo(1);
        // file chunks never reach the record consumer
        assertThat(c.poll(Duration.ofMillis(50))).isNull();
    }

    @Test
    void aRestartedPeerWritesOnlyTheChunksItDoesNotHave() throws Exception {
        Path folder = dir.resolve("in");
        byte[] content = new byte[30_000];
        new Random(2).nextBytes(content);
        List<FileDelivery> ds = deliveries("f2", "resumed.bin", content, 1000, 100);
        PeerClient first = start(folder);
        sink.sendFrames(ds.subList(0, 12));
        await().atMost(WAIT).until(() -> first.fileStats().chunksWritten() == 12);
        first.closeNow(); // killed: no last acks
        long acked = sink.lastAck("files", 0);

        PeerClient second = start(folder);
        // the sink resumes after the last ack it got: chunks the old client wrote come again
        int from = (int) (acked - 100 + 1);
        sink.sendFrames(ds.subList(from, ds.size()));
        await().atMost(WAIT).until(() -> received.size() == 1);
        assertThat(Files.readAllBytes(folder.resolve("resumed.bin"))).isEqualTo(content);
        assertThat(first.fileStats().chunksWritten() + second.fileStats().chunksWritten()).isEqualTo(30);
        assertThat(second.fileStats().chunksSkipped()).isEqualTo(12 - from);
    }

    @Test
    void withoutAFolderChunksAreAcknowledgedAndCounted() throws Exception {
        PeerClient c = PeerClient.start(PeerClientConfig.builder().endpoint(sink.address()).topics("files").peerName("nofolder")
                .ackInterval(Duration.ofMillis(20)).build());
        clients.add(c);
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        sink.sendFrames(deliveries("f3", "x", new byte[2500], 1000, 0));
        await().atMost(WAIT).until(() -> sink.lastAck("files", 0) == 2);
        assertThat(c.fileStats().chunksReceived()).isEqualTo(3);
        assertThat(c.fileStats().chunksWritten()).isZero();
    }

    @Test
    void aSmallFileQueuePushesBackAndEverythingArrives() throws Exception {
        Path folder = dir.resolve("in");
        PeerClient c = start(folder);
        List<FileDelivery> all = new ArrayList<>();
        for (int f = 0; f < 5; f++) {
            byte[] content = new byte[64_000 + f];
            new Random(f).nextBytes(content);
            all.addAll(deliveries("g" + f, "g" + f + ".bin", content, 4096, all.size()));
        }
        sink.sendFrames(all);
        await().atMost(WAIT).until(() -> received.size() == 5);
        assertThat(c.fileStats().chunksWritten()).isEqualTo(all.size());
        await().atMost(WAIT).until(() -> sink.lastAck("files", 0) == all.size() - 1);
    }

    @Test
    void theListenerIsToldOfFailures() throws Exception {
        List<String> failed = new CopyOnWriteArrayList<>();
        PeerClient c = PeerClient.start(PeerClientConfig.builder().endpoint(sink.address()).topics("files").peerName("f")
                .filesFolder(dir.resolve("in")).fileListener(new FileReceivedListener() {
                    @Override
                    public void received(ReceivedFile file) {
                    }

                    @Override
                    public void failed(String device, String fileId, String name, String reason) {
                        failed.add(fileId);
                    }
                }).build());
        clients.add(c);
        assertThat(c.awaitSubscribed(WAIT)).isTrue();
        byte[] content = new byte[3000];
        List<FileDelivery> ds = deliveries("bad", "bad.bin", content, 1000, 0);
        byte[] wrong = new byte[32];
        List<FileDelivery> lying = ds.stream().map(d -> new FileDelivery(d.topic(), d.partition(), d.offset(), d.deviceId(),
                d.fileId(), d.name(), d.size(), wrong, d.chunkSize(), d.chunkOffset(), d.crc32c(), d.data())).toList();
        sink.sendFrames(lying);
        await().atMost(WAIT).until(() -> failed.size() == 1);
        assertThat(c.fileStats().filesFailed()).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("in/bad.bin"))).isFalse();
    }
}
