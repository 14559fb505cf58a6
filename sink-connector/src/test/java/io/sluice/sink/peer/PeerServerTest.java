package io.sluice.sink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.ClientAuth;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.ProtocolVersion;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.sink.config.SlowPeerPolicy;
import io.sluice.sink.metrics.SinkMetrics;
import io.sluice.testkit.TestPki;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer port on real sockets, with the hub but without Kafka. */
class PeerServerTest {
    static final String T = "aggregates";
    static final TopicPartition P0 = new TopicPartition(T, 0);

    final SinkMetrics metrics = new SinkMetrics(null);
    final List<AutoCloseable> closeables = new ArrayList<>();
    PeerHub hub;
    PeerServer server;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    void start(Map<String, String> tokens, TlsSettings tls) throws Exception {
        start(tokens, tls, Duration.ofSeconds(1), Duration.ofSeconds(10));
    }

    void start(Map<String, String> tokens, TlsSettings tls, Duration heartbeat, Duration idle) throws Exception {
        hub = new PeerHub(new PeerHub.Settings(1000, 1L << 24, 0.8, 0.4, SlowPeerPolicy.PAUSE, 100, 1 << 20,
                Duration.ofMinutes(5), 10, tokens, Map.of(), new TopicScope(List.of(T), Optional.empty())), Clock.systemUTC(),
                metrics, () -> List.of("127.0.0.1:" + (server == null ? 0 : server.port())));
        server = PeerServer.start("127.0.0.1", 0, new PeerServer.ChannelSettings(ProtocolLimits.DEFAULTS,
                tls == null ? null : tls.serverContext(), "/peers", heartbeat, idle, 64 << 10),
                hub, metrics);
        closeables.add(server);
        hub.assign(List.of(P0));
    }

    void produce(int from, int to) {
        List<Routed> batch = new ArrayList<>();
        for (int i = from; i < to; i++) {
            byte[] v = ("{\"device\":\"d-" + (i % 4) + "\",\"metric\":\"temp\",\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            batch.add(io.sluice.sink.delivery.Routing.routed(P0, i, 1, ("d-" + (i % 4)).getBytes(StandardCharsets.UTF_8), v,
                    hub.needsSubjects()));
        }
        Map<TopicPartition, Long> pos = new HashMap<>();
        pos.put(P0, (long) to);
        hub.route(batch, pos);
    }

    PeerClient client(PeerClientConfig.Builder b) {
        PeerClient c = PeerClient.start(b.endpoint(new InetSocketAddress("127.0.0.1", server.port())).build());
        closeables.add(c::closeNow);
        return c;
    }

    static List<Long> take(PeerClient c, int n) throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ids.size() < n && System.nanoTime() < deadline) {
            DeliveredRecord r = c.poll(Duration.ofMillis(200));
            if (r != null) {
                ids.add(r.offset());
            }
        }
        return ids;
    }

    @Test
    void framedAndWebSocketPeersReceiveTheSameRecords() throws Exception {
        start(Map.of(), null);
        PeerClient framed = client(PeerClientConfig.builder().topics(T).devices("d-1", "d-2"));
        assertThat(framed.awaitSubscribed(Duration.ofSeconds(30))).isTrue();

        List<String> messages = new CopyOnWriteArrayList<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/peers"), new WebSocket.Listener() {
                    final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        closeables.add(() -> ws.abort());
        ws.sendText("{\"type\":\"peer_hello\",\"version\":1,\"peerName\":\"\",\"token\":\"\"}", true).join();
        ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"aggregates\"],\"devices\":[\"d-1\",\"d-2\"]}", true).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().anyMatch(m -> m.contains("\"subscribed\"")));

        produce(0, 200);
        List<Long> framedIds = take(framed, 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> wsOffsets(messages).size() >= 100);
        assertThat(framedIds).hasSize(100).allMatch(o -> o % 4 == 1 || o % 4 == 2);
        assertThat(wsOffsets(messages)).containsExactlyElementsOf(framedIds);
        assertThat(messages.stream().filter(m -> m.contains("\"records\"")).findFirst().orElseThrow())
                .contains("\"value\":{\"device\":\"d-1\"");
    }

    @Test
    void aWebSocketPeerGetsFileChunksAsFileDeliveryJsonAndAcksThem() throws Exception {
        start(Map.of(), null);
        hub.fileTopics(java.util.Set.of(T));
        List<String> messages = new CopyOnWriteArrayList<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/peers"), new WebSocket.Listener() {
                    final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        closeables.add(() -> ws.abort());
        ws.sendText("{\"type\":\"peer_hello\",\"version\":1,\"peerName\":\"browser\",\"token\":\"\"}", true).join();
        ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"aggregates\"]}", true).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().anyMatch(m -> m.contains("\"subscribed\"")));

        byte[] data = "chunk-bytes".getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data);
        byte[] value = io.sluice.protocol.file.FileRecordJson.write(new io.sluice.protocol.file.FileRecord.Chunk("cam", "f-1",
                "a.txt", data.length, new byte[32], 1024, 0, (int) crc.getValue(), data));
        hub.route(List.of(io.sluice.sink.delivery.Routing.routed(P0, 0, 1, "f-1".getBytes(StandardCharsets.UTF_8), value, false,
                hub.fileTopics())), Map.of(P0, 1L));
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().anyMatch(m -> m.contains("\"file_delivery\"")));
        String json = messages.stream().filter(m -> m.contains("\"file_delivery\"")).findFirst().orElseThrow();
        Frame f = io.sluice.protocol.json.FrameJson.fromJson(json, ProtocolLimits.DEFAULTS);
        assertThat(f).isInstanceOfSatisfying(io.sluice.protocol.frame.FileDelivery.class, d -> {
            assertThat(d.data()).isEqualTo(data);
            assertThat(d.fileId()).isEqualTo("f-1");
            assertThat(d.offset()).isZero();
        });
        ws.sendText("{\"type\":\"peer_ack\",\"cursors\":[{\"topic\":\"aggregates\",\"partition\":0,\"offset\":0}]}", true).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.commitOffsets(Map.of(P0, 1L)).get(P0) == 1L);
        assertThat(metrics.fileChunksDelivered()).isEqualTo(1);
    }

    static List<Long> wsOffsets(List<String> messages) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String m : messages) {
            Frame f = io.sluice.protocol.json.FrameJson.fromJson(m, ProtocolLimits.DEFAULTS);
            if (f instanceof io.sluice.protocol.frame.Records rs) {
                rs.records().forEach(r -> out.add(r.offset()));
            }
        }
        return out;
    }

    @Test
    void malformedInputGetsAPreciseErrorAndOnlyThatPeerIsClosed() throws Exception {
        start(Map.of(), null);
        PeerClient good = client(PeerClientConfig.builder().topics(T));
        assertThat(good.awaitSubscribed(Duration.ofSeconds(30))).isTrue();

        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0, 0, 0, 3, 0x20, 0, 1}); // a peer_hello cut short
            out.flush();
            ErrorFrame e = readError(s.getInputStream());
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(e.message()).contains("frame ends inside");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(frame(new io.sluice.protocol.frame.Ping(1)));
            s.getOutputStream().write(frame(new PeerHello(ProtocolVersion.CURRENT, "", "")));
            s.getOutputStream().write(frame(new io.sluice.protocol.frame.Ack(3))); // a device frame
            ErrorFrame e = readErrorSkipping(s.getInputStream());
            assertThat(e.code()).isEqualTo(ErrorCode.UNEXPECTED_FRAME);
        }
        produce(0, 10);
        assertThat(take(good, 10)).hasSize(10);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(metrics.disconnects("malformed_frame")).isEqualTo(1);
            assertThat(metrics.disconnects("unexpected_frame")).isEqualTo(1);
        });
    }

    @Test
    void aWrongTokenFailsThePeerClientForGood() throws Exception {
        start(Map.of("right", "alice"), null);
        PeerClient bad = client(PeerClientConfig.builder().topics(T).token("wrong"));
        await().atMost(Duration.ofSeconds(30)).until(bad::hasFailed);
        assertThat(bad.failure()).hasMessageContaining("AUTH_FAILED").hasMessageContaining("not valid");
        PeerClient ok = client(PeerClientConfig.builder().topics(T).token("right"));
        assertThat(ok.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics.disconnects("auth_failed") == 1);
    }

    @Test
    void tlsWithClientCertificatesAndAReadableRefusalForPlaintext(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.KeyPair srv = pki.server("sink");
        start(Map.of(), TlsSettings.pem(srv.certificateChain(), srv.privateKey(), pki.caCertificate())
                .withClientAuth(ClientAuth.REQUIRE));
        TestPki.KeyPair cli = pki.client("dashboard");
        PeerClient tls = client(PeerClientConfig.builder().topics(T).peerName("dash")
                .ssl(TlsSettings.pem(cli.certificateChain(), cli.privateKey(), pki.caCertificate()).clientContext()));
        assertThat(tls.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
        assertThat(hub.sessions()).anySatisfy(s -> assertThat(s.principal()).isEqualTo("dashboard"));
        produce(0, 5);
        assertThat(take(tls, 5)).containsExactly(0L, 1L, 2L, 3L, 4L);

        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(frame(new PeerHello(ProtocolVersion.CURRENT, "", "")));
            ErrorFrame e = readError(s.getInputStream());
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_THIS_PROTOCOL);
            assertThat(e.message()).contains("TLS");
        }
        TestPki.KeyPair untrusted = pki.untrustedClient("mallory");
        PeerClient refused = client(PeerClientConfig.builder().topics(T)
                .ssl(TlsSettings.pem(untrusted.certificateChain(), untrusted.privateKey(), pki.caCertificate()).clientContext())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100)));
        assertThat(refused.awaitSubscribed(Duration.ofSeconds(2))).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics.disconnects("plaintext_on_tls_port") == 1);
    }

    @Test
    void pingsMeasureRoundTripsAndASilentPeerIsDroppedAsDead() throws Exception {
        start(Map.of(), null, Duration.ofMillis(200), Duration.ofMillis(1500));
        PeerClient alive = client(PeerClientConfig.builder().topics(T).peerName("alive").heartbeat(Duration.ofMillis(100)));
        assertThat(alive.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
        try (Socket dead = new Socket("127.0.0.1", server.port())) {
            dead.getOutputStream().write(frame(new PeerHello(ProtocolVersion.CURRENT, "", "")));
            dead.getOutputStream().write(frame(new io.sluice.protocol.frame.Subscribe(List.of(T), List.of(), List.of(), List.of(),
                    List.of())));
            // it reads but never answers: the sink pings, then gives up on it
            ErrorFrame e = readErrorSkipping(dead.getInputStream());
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(metrics.disconnects("idle_timeout")).isEqualTo(1);
            assertThat(hub.sessions()).singleElement().satisfies(s -> {
                assertThat(s.peerName()).isEqualTo("alive");
                assertThat(s.rttMillis()).isGreaterThanOrEqualTo(0);
            });
        });
        assertThat(alive.lastRtt()).isNotNull();
    }

    @Test
    void aDurableWebSocketPeerAcksWithJsonAndHoldsCommitsUntilItDoes() throws Exception {
        start(Map.of(), null);
        List<String> messages = new CopyOnWriteArrayList<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/peers"), new WebSocket.Listener() {
                    final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).join();
        closeables.add(ws::abort);
        ws.sendText("{\"type\":\"peer_hello\",\"version\":1,\"peerName\":\"browser\",\"token\":\"\"}", true).join();
        ws.sendText("{\"type\":\"subscribe\",\"topics\":[\"aggregates\"]}", true).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().anyMatch(m -> m.contains("\"subscribed\"")));
        produce(0, 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> wsOffsets(messages).size() == 10);
        assertThat(hub.commitOffsets(Map.of(P0, 10L))).containsEntry(P0, 0L);
        ws.sendText("{\"type\":\"peer_ack\",\"cursors\":[{\"topic\":\"aggregates\",\"partition\":0,\"offset\":6}]}", true)
                .join();
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.commitOffsets(Map.of(P0, 10L)).get(P0) == 7L);
        ws.sendText("{\"type\":\"peer_ack\",\"cursors\":[{\"topic\":\"aggregates\",\"partition\":0,\"offset\":9}]}", true)
                .join();
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.commitOffsets(Map.of(P0, 10L)).get(P0) == 10L);
        ws.sendText("{\"type\":\"peer_ack\",\"cursors\":\"oops\"}", true).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> messages.stream().anyMatch(m -> m.contains("\"BAD_JSON\"")));
    }

    @Test
    void dialModeSpeaksTlsToAListeningPeer(@TempDir Path dir) throws Exception {
        start(Map.of(), null); // the hub; its own port is not used here
        TestPki pki = TestPki.create(dir);
        TestPki.KeyPair peerCert = pki.server("peer");
        PeerClient listening = PeerClient.start(PeerClientConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .topics(T).peerName("dialled")
                .serverSsl(TlsSettings.pem(peerCert.certificateChain(), peerCert.privateKey(), null).serverContext()).build());
        closeables.add(listening::closeNow);
        PeerDialer dialer = PeerDialer.start(List.of(InetSocketAddress.createUnresolved("localhost",
                listening.listenAddress().getPort())), new PeerServer.ChannelSettings(ProtocolLimits.DEFAULTS,
                TlsSettings.pem(null, null, pki.caCertificate()).clientContext(), null, Duration.ofSeconds(1),
                Duration.ofSeconds(10), 64 << 10), hub, Duration.ofMillis(50), Duration.ofMillis(500));
        closeables.add(dialer);
        assertThat(listening.awaitSubscribed(Duration.ofSeconds(30))).isTrue();
        produce(0, 20);
        assertThat(take(listening, 20)).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 20).boxed().toList());
    }

    static byte[] frame(Frame f) {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    static Frame read(InputStream in) throws Exception {
        DataInputStream d = new DataInputStream(in);
        int len = d.readInt();
        byte[] body = new byte[len];
        d.readFully(body);
        return FrameCodec.decode(Unpooled.wrappedBuffer(body), ProtocolLimits.DEFAULTS);
    }

    static ErrorFrame readError(InputStream in) throws Exception {
        return (ErrorFrame) read(in);
    }

    static ErrorFrame readErrorSkipping(InputStream in) throws Exception {
        while (true) {
            Frame f = read(in);
            if (f instanceof ErrorFrame e) {
                return e;
            }
        }
    }
}
