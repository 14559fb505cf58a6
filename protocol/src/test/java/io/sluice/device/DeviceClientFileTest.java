package io.sluice.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.ErrorFrame;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeviceClient.sendFile against a scripted source on a real socket. */
class DeviceClientFileTest {
    private static final int CHUNK = 4096;
    private TestSourceServer server;
    private DeviceClient client;
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.closeNow();
        }
        if (server != null) {
            server.close();
        }
    }

    private DeviceClient start(String device) throws InterruptedException {
        client = DeviceClient.start(DeviceClientConfig.builder(device, server.address())
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).build());
        assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
        return client;
    }

    private Path file(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private static FileSendResult await(CompletableFuture<FileSendResult> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void sendsFilesOfEveryBoundarySizeAndTheSourceHoldsTheirBytes() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-files");
        int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17};
        List<CompletableFuture<FileSendResult>> results = new ArrayList<>();
        for (int size : sizes) {
            results.add(client.sendFile(file("f" + size + ".bin", size, size), FileSendOptions.defaults().withChunkBytes(CHUNK)
                    .withFileId("id-" + size)));
        }
        for (int i = 0; i < sizes.length; i++) {
            FileSendResult r = await(results.get(i));
            int size = sizes[i];
            int chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
            assertThat(r.size()).isEqualTo(size);
            assertThat(r.chunks()).isEqualTo(chunks);
            assertThat(r.chunksSent()).isEqualTo(chunks);
            assertThat(r.chunksResent()).isZero();
            TestSourceServer.TestFile held = server.files.get("id-" + size);
            assertThat(held.bytes.toByteArray()).isEqualTo(Files.readAllBytes(dir.resolve("f" + size + ".bin")));
            assertThat(held.chunkFrames.get()).isEqualTo(chunks);
            assertThat(r.sha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(held.bytes.toByteArray()));
        }
        DeviceFileStats s = client.fileStats();
        assertThat(s.filesCompleted()).isEqualTo(sizes.length);
        assertThat(s.filesActive()).isZero();
        assertThat(s.committedResent()).isZero();
    }

    @Test
    void aLostConnectionResumesWithOnlyTheChunksTheSourceDoesNotHave() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-resume");
        int chunks = 40;
        Path p = file("big.bin", chunks * CHUNK, 7);
        server.closeAfterChunks.set(15);
        FileSendResult r = await(client.sendFile(p, FileSendOptions.defaults().withChunkBytes(CHUNK).withWindowChunks(4)
                .withFileId("resumed")));
        TestSourceServer.TestFile held = server.files.get("resumed");
        assertThat(held.bytes.toByteArray()).isEqualTo(Files.readAllBytes(p));
        assertThat(client.stats().connects()).isGreaterThanOrEqualTo(2);
        // what the source had acknowledged is never sent again; at most the window was in flight
        assertThat(client.fileStats().committedResent()).isZero();
        assertThat(r.chunksResent()).isBetween(0L, 4L);
        // frames written to the dying connection may never have arrived
        assertThat(held.chunkFrames.get()).isBetween(chunks, chunks + (int) r.chunksResent());
        assertThat(server.chunkFramesTotal.get()).isGreaterThanOrEqualTo(15);
    }

    @Test
    void aRefusedChunkIsSentAgainAndTheFileCompletes() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-refused");
        Path p = file("r.bin", 10 * CHUNK, 3);
        server.refuseChunkOnce.add(4L * CHUNK);
        FileSendResult r = await(client.sendFile(p, FileSendOptions.defaults().withChunkBytes(CHUNK).withFileId("refused")));
        assertThat(server.files.get("refused").bytes.toByteArray()).isEqualTo(Files.readAllBytes(p));
        assertThat(client.fileStats().chunksRefused()).isEqualTo(1);
        assertThat(r.chunksResent()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void refusalsFailTheResultWithTheSourcesCode() throws Exception {
        server = new TestSourceServer().start(0);
        server.maxFileBytes = 100;
        start("d-large");
        CompletableFuture<FileSendResult> f = client.sendFile(file("x.bin", 101, 1));
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ProtocolException.class).hasMessageContaining("101 bytes")
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.FILE_TOO_LARGE));
        assertThat(client.fileStats().filesFailed()).isEqualTo(1);
        // a refused file is no reading error: readings go on
        client.send("temp", 1.0);
        assertThat(client.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(client.stats().rejected()).isZero();
    }

    @Test
    void aNameTooLongToEncodeFailsAtOnceAndNothingIsSent() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-name");
        CompletableFuture<FileSendResult> f = client.sendFile(file("n.bin", 10, 1),
                FileSendOptions.defaults().withName("x".repeat(10 * 1024)));
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(ProtocolException.class)
                .hasMessageContaining("10240 bytes");
        assertThat(server.files).isEmpty();
    }

    @Test
    void aStreamIsSpooledSentAndItsCopyRemoved() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-stream");
        byte[] content = new byte[5 * CHUNK + 3];
        new Random(11).nextBytes(content);
        Path spool = Files.createDirectory(dir.resolve("spool"));
        FileSendResult r = await(client.sendFile(new ByteArrayInputStream(content), "stream.bin",
                FileSendOptions.defaults().withChunkBytes(CHUNK).withSpoolDirectory(spool).withFileId("s-1")));
        assertThat(r.size()).isEqualTo(content.length);
        assertThat(server.files.get("s-1").bytes.toByteArray()).isEqualTo(content);
        try (var listing = Files.list(spool)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void readingsAndSeveralFilesInterleaveOnOneConnection() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-mixed");
        List<CompletableFuture<FileSendResult>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fs.add(client.sendFile(file("m" + i, 20 * CHUNK + i, i), FileSendOptions.defaults().withChunkBytes(CHUNK)
                    .withFileId("m-" + i)));
        }
        for (int i = 0; i < 2_000; i++) {
            client.send("temp", i, System.currentTimeMillis(), Map.of());
        }
        for (int i = 0; i < 3; i++) {
            await(fs.get(i));
            assertThat(server.files.get("m-" + i).bytes.toByteArray()).isEqualTo(Files.readAllBytes(dir.resolve("m" + i)));
        }
        assertThat(client.flush(Duration.ofSeconds(20))).isTrue();
        assertThat(server.distinctReceived("d-mixed")).isEqualTo(2_000);
    }

    @Test
    void closingFailsTransfersStillRunning() throws Exception {
        server = new TestSourceServer().start(0);
        start("d-close");
        server.stopReading();
        CompletableFuture<FileSendResult> f = client.sendFile(file("c.bin", 64 * CHUNK, 2),
                FileSendOptions.defaults().withChunkBytes(CHUNK));
        client.closeNow();
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().hasMessageContaining("closed");
    }

    @Test
    void errorsOfTheSourceAreSeenByTheListener() throws Exception {
        server = new TestSourceServer().start(0);
        server.refuseFilesWith = new ErrorFrame(ErrorCode.BAD_FILE_NAME, "no");
        List<ErrorFrame> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        client = DeviceClient.start(DeviceClientConfig.builder("d-listen", server.address()).listener(new DeviceClientListener() {
            @Override
            public void error(ErrorFrame error) {
                seen.add(error);
            }
        }).build());
        assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
        CompletableFuture<FileSendResult> f = client.sendFile(file("l.bin", 10, 1), FileSendOptions.defaults().withFileId("l-1"));
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(ProtocolException.class);
        assertThat(seen).singleElement().satisfies(e -> assertThat(e.message()).startsWith("file 'l-1': "));
    }
}
