package io.sluice.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.testkit.TestPki;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceClientTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private TestSourceServer server;
    private DeviceClient client;

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.closeNow();
        }
        if (server != null) {
            server.close();
        }
    }

    private DeviceClientConfig.Builder config(String device) {
        return DeviceClientConfig.builder(device, server.address())
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    @Test
    void acksAdvanceAndEveryReadingArrivesOnce() throws Exception {
        server = new TestSourceServer().start(0);
        client = DeviceClient.start(config("d-1").batchMaxReadings(100).build());
        for (int i = 0; i < 10_000; i++) {
            client.send("temp", i, System.currentTimeMillis(), Map.of());
        }
        assertThat(client.flush(WAIT)).isTrue();
        DeviceClientStats s = client.stats();
        assertThat(s.accepted()).isEqualTo(10_000);
        assertThat(s.acked()).isEqualTo(10_000);
        assertThat(s.inFlight()).isZero();
        assertThat(s.lastAckedSeq()).isEqualTo(10_000);
        assertThat(server.readingsReceived.get()).isEqualTo(10_000);
        assertThat(server.received.get("d-1")).containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, 10_000).boxed().toList());
    }

    @Test
    void seqsContinueAfterWhatTheSourceAlreadyHas() throws Exception {
        server = new TestSourceServer().start(0);
        server.committed.put("d-2", 41L);
        client = DeviceClient.start(config("d-2").build());
        assertThat(client.send("m", 1)).isEqualTo(42);
        assertThat(client.flush(WAIT)).isTrue();
    }

    @Test
    void unackedReadingsAreResentAfterTheSourceDropsTheConnection() throws Exception {
        server = new TestSourceServer().start(0);
        server.autoAck = false;
        client = DeviceClient.start(config("d-3").build());
        for (int i = 0; i < 1000; i++) {
            client.send("m", i);
        }
        await().atMost(WAIT).until(() -> server.distinctReceived("d-3") == 1000);
        assertThat(client.stats().acked()).isZero();
        // the source got seqs 1..400 into Kafka before it lost the connection
        server.pending.clear();
        server.committed.put("d-3", 400L);
        server.autoAck = true;
        server.dropConnections();
        assertThat(client.flush(WAIT)).isTrue();
        DeviceClientStats s = client.stats();
        assertThat(s.acked()).isEqualTo(1000);
        assertThat(s.connects()).isEqualTo(2);
        // 401..1000 went again; 1..400 were acknowledged by the resume seq, not resent
        assertThat(s.resent()).isEqualTo(600);
        assertThat(server.readingsReceived.get()).isEqualTo(1600);
    }

    @Test
    void backoffGrowsWhileTheSourceIsDownAndResetsAfterAConnection() throws Exception {
        int port = freePort();
        List<Duration> delays = new CopyOnWriteArrayList<>();
        DeviceClientListener listener = new DeviceClientListener() {
            @Override
            public void reconnectScheduled(int attempt, Duration delay) {
                delays.add(delay);
            }
        };
        server = new TestSourceServer();
        client = DeviceClient.start(DeviceClientConfig.builder("d-4", new java.net.InetSocketAddress("127.0.0.1", port))
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(160)).reconnectJitter(0)
                .listener(listener).build());
        await().atMost(WAIT).until(() -> delays.size() >= 6);
        assertThat(delays.subList(0, 6)).extracting(Duration::toMillis).containsExactly(10L, 20L, 40L, 80L, 160L, 160L);

        server.start(port);
        assertThat(client.awaitConnected(WAIT)).isTrue();
        delays.clear();
        server.stop();
        await().atMost(WAIT).until(() -> delays.size() >= 2);
        assertThat(delays.get(0).toMillis()).isEqualTo(10L);
        assertThat(delays.get(1).toMillis()).isEqualTo(20L);
    }

    @Test
    void aStalledSourceBlocksSendsWithinTheWindowInsteadOfGrowingMemory() throws Exception {
        server = new TestSourceServer().start(0);
        server.stopReading();
        client = DeviceClient.start(config("d-5").maxInFlightReadings(2000).maxInFlightBytes(1 << 20).build());
        assertThat(client.awaitConnected(WAIT)).isTrue();
        long accepted = 0;
        while (client.trySend("m", 1, System.currentTimeMillis(), Map.of(), Duration.ofMillis(200)) >= 0) {
            accepted++;
            assertThat(accepted).isLessThanOrEqualTo(2000);
        }
        DeviceClientStats s = client.stats();
        assertThat(accepted).isEqualTo(2000);
        assertThat(s.inFlight()).isEqualTo(2000);
        assertThat(s.inFlightBytes()).isLessThanOrEqualTo(1 << 20);
        assertThat(s.acked()).isZero();

        server.resumeReading();
        assertThat(client.flush(WAIT)).isTrue();
        assertThat(client.stats().acked()).isEqualTo(2000);
        assertThat(server.distinctReceived("d-5")).isEqualTo(2000);
    }

    @Test
    void aWrongTokenFailsTheClientForGoodWithTheSourcesReason() throws Exception {
        server = new TestSourceServer().start(0);
        server.requiredToken = "s3cret";
        List<Duration> retries = new CopyOnWriteArrayList<>();
        client = DeviceClient.start(config("d-6").token("guess").listener(new DeviceClientListener() {
            @Override
            public void reconnectScheduled(int attempt, Duration delay) {
                retries.add(delay);
            }
        }).build());
        assertThatThrownBy(() -> client.awaitConnected(WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AUTH_FAILED")
                .hasMessageContaining("wrong token for device d-6");
        assertThat(client.hasFailed()).isTrue();
        assertThat(retries).isEmpty();
        assertThat(server.connections.get()).isEqualTo(1);
        assertThatThrownBy(() -> client.send("m", 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectedReadingsAreCountedAndTheAckPassesThem() throws Exception {
        server = new TestSourceServer().start(0);
        server.rejectSeqs.add(3L);
        List<ErrorFrame> errors = new CopyOnWriteArrayList<>();
        client = DeviceClient.start(config("d-7").listener(new DeviceClientListener() {
            @Override
            public void error(ErrorFrame error) {
                errors.add(error);
            }
        }).build());
        for (int i = 0; i < 5; i++) {
            client.send("m", i);
        }
        assertThat(client.flush(WAIT)).isTrue();
        assertThat(client.stats().rejected()).isEqualTo(1);
        assertThat(client.stats().acked()).isEqualTo(5);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_VALUE);
            assertThat(e.seq()).isEqualTo(3);
        });
    }

    @Test
    void invalidReadingsAreRefusedBeforeTheyAreSent() throws Exception {
        server = new TestSourceServer().start(0);
        client = DeviceClient.start(config("d-8").build());
        assertThatThrownBy(() -> client.send("9bad", 1)).hasMessageContaining("must start with a letter");
        assertThatThrownBy(() -> client.send("m", Double.NaN)).hasMessageContaining("NaN");
        assertThat(client.stats().accepted()).isZero();
    }

    @Test
    void tlsWithTheSourcesCaWorks(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.KeyPair serverKey = pki.server("source");
        SslContext serverSsl = TlsSettings.pem(serverKey.certificateChain(), serverKey.privateKey(), null).serverContext();
        server = new TestSourceServer(serverSsl).start(0);
        SslContext clientSsl = TlsSettings.pem(null, null, pki.caCertificate()).clientContext();
        client = DeviceClient.start(config("d-9").ssl(clientSsl).build());
        for (int i = 0; i < 100; i++) {
            client.send("m", i);
        }
        assertThat(client.flush(WAIT)).isTrue();
        assertThat(server.distinctReceived("d-9")).isEqualTo(100);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
