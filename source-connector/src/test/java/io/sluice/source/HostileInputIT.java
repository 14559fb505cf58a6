package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.FrameJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import io.sluice.testkit.TestPki;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on real sockets against the source connector on the shared in-JVM cluster, the
 * cases {@link DeviceErrorsIT} does not cover: a line without newline past the limit, a slowloris
 * cut by the idle timeout, binary garbage, invalid UTF-8, NaN and infinities, a 1 MB device id,
 * far-future and negative timestamps, thousands of idle connections against the connection limit,
 * TLS clients with a certificate from a wrong CA, an expired one, or trusting a wrong CA. Each gets
 * its precise error (a frame, a line, or a failed handshake), is counted in the task's metrics,
 * and a fleet of well-behaved devices on the same connector delivers every reading exactly once.
 */
@ExtendWith(SharedKafka.class)
class HostileInputIT {
    private static final int DEVICES = 3;
    private static final int PER_DEVICE = 400;

    /** A connector with a line port, small limits and a short idle timeout; returns its name, topic and ports. */
    private record Source(String name, String topic, int port, int linePort) {
    }

    private static Source start(EmbeddedConnectCluster connect, String label, Map<String, String> extra) throws InterruptedException {
        String name = TestKafka.uniqueName(label);
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 1);
        int port = SourceIt.freePort();
        int linePort = SourceIt.freePort();
        Map<String, String> props = SourceIt.props(topic, port);
        props.put("line.listen.port", Integer.toString(linePort));
        props.put("frame.max.bytes", "65536");
        props.put("line.max.bytes", "4096");
        props.putAll(extra);
        SourceIt.startConnector(connect, name, props);
        return new Source(name, topic, port, linePort);
    }

    private static DeviceFleet fleet(Source s, SslContext ssl) {
        return DeviceFleet.start(new DeviceFleet.Settings(List.of(SourceIt.local(s.port())), DEVICES, s.name() + "-good-", 1_500,
                PER_DEVICE, null, List.of("temperature"), 20, Duration.ofMillis(5), 10_000, "", ssl, 1));
    }

    @Test
    void linesPastTheLimitGarbageAndInvalidUtf8AreRefusedWhileOthersDeliverEverything(EmbeddedConnectCluster connect)
            throws Exception {
        Source s = start(connect, "hostile-bytes", Map.of());
        try (DeviceFleet fleet = fleet(s, null)) {
            // a line without its newline, past the limit: refused as soon as the limit is passed
            try (Socket sock = new Socket("127.0.0.1", s.linePort())) {
                CompletableFuture<Void> writer = writeQuietly(sock, repeat('a', 64 << 10));
                ErrorFrame e = readErrorLineAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.LINE_TOO_LONG);
                assertThat(e.message()).contains("longer than the limit of 4096 bytes");
                writer.join();
            }
            // a 1 MB device id: on the line port past the line limit, on the framed port past the frame limit
            try (Socket sock = new Socket("127.0.0.1", s.linePort())) {
                byte[] line = ("{\"device\":\"" + new String(repeat('d', 1 << 20), StandardCharsets.US_ASCII)
                        + "\",\"metric\":\"t\",\"value\":1}\n").getBytes(StandardCharsets.US_ASCII);
                CompletableFuture<Void> writer = writeQuietly(sock, line);
                assertThat(readErrorLineAndEof(sock).code()).isEqualTo(ErrorCode.LINE_TOO_LONG);
                writer.join();
            }
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                byte[] hello = new byte[5 + (1 << 20)];
                int len = hello.length - 4;
                hello[0] = (byte) (len >>> 24);
                hello[1] = (byte) (len >>> 16);
                hello[2] = (byte) (len >>> 8);
                hello[3] = (byte) len;
                hello[4] = 0x01;
                Arrays.fill(hello, 5, hello.length, (byte) 'd');
                CompletableFuture<Void> writer = writeQuietly(sock, hello);
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
                assertThat(e.message()).isEqualTo("frame of " + len + " bytes exceeds the limit of 65536");
                writer.join();
            }
            // a device id too long for the rules but inside the frame limit
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                write(sock.getOutputStream(), new Hello(1, new String(repeat('d', 1000), StandardCharsets.US_ASCII), ""));
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.BAD_DEVICE_ID);
                assertThat(e.message()).contains("1000 characters long");
            }
            // binary garbage: a frame of an unknown type, and bytes that are no JSON on the line port
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                sock.getOutputStream().write(new byte[] {0, 0, 0, 4, 0x7e, (byte) 0xff, 0x00, (byte) 0x81});
                assertThat(readErrorAndEof(sock).code()).isEqualTo(ErrorCode.UNKNOWN_FRAME_TYPE);
            }
            try (Socket sock = new Socket("127.0.0.1", s.linePort())) {
                byte[] garbage = new byte[200];
                for (int i = 0; i < garbage.length; i++) {
                    garbage[i] = (byte) (i * 37 + 11);
                    if (garbage[i] == '\n' || garbage[i] == '\r') {
                        garbage[i] = 0;
                    }
                }
                sock.getOutputStream().write(concat(garbage, new byte[] {'\n'}));
                assertThat(readErrorLineAndEof(sock).code()).isEqualTo(ErrorCode.BAD_JSON);
            }
            // invalid UTF-8 in a framed device id and in a JSON line
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                byte[] hello = encode(new Hello(1, "abcdef", ""));
                int at = indexOf(hello, "abcdef".getBytes(StandardCharsets.US_ASCII));
                hello[at] = (byte) 0xff;
                hello[at + 1] = (byte) 0xfe;
                sock.getOutputStream().write(hello);
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
                assertThat(e.message()).contains("not valid UTF-8");
            }
            try (Socket sock = new Socket("127.0.0.1", s.linePort())) {
                byte[] line = concat("{\"device\":\"u".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc3, (byte) 0x28},
                        "\",\"metric\":\"t\",\"value\":1}\n".getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().write(line);
                assertThat(readErrorLineAndEof(sock).code()).isEqualTo(ErrorCode.BAD_JSON);
            }
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
        }
        assertEveryGoodReadingOnce(connect, s);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "LINE_TOO_LONG"))).isEqualTo(2);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "FRAME_TOO_LARGE"))).isEqualTo(1);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "BAD_DEVICE_ID"))).isEqualTo(1);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "UNKNOWN_FRAME_TYPE"))).isEqualTo(1);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "BAD_JSON"))).isEqualTo(2);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "MALFORMED_FRAME"))).isEqualTo(1);
        connect.deleteConnector(s.name());
    }

    @Test
    void nonFiniteValuesAndSkewedTimestampsAreRejectedOrClampedOneByOne(EmbeddedConnectCluster connect) throws Exception {
        Source s = start(connect, "hostile-values", Map.of());
        String device = s.name() + "-odd";
        long now = System.currentTimeMillis();
        try (DeviceFleet fleet = fleet(s, null); Socket sock = new Socket("127.0.0.1", s.port())) {
            sock.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(sock.getInputStream());
            write(sock.getOutputStream(), new Hello(1, device, ""));
            assertThat(readFrame(in)).isInstanceOf(HelloOk.class);
            List<Reading> odd = List.of(new Reading(1, now, "t", Double.NaN), new Reading(2, now, "t", Double.POSITIVE_INFINITY),
                    new Reading(3, now, "t", Double.NEGATIVE_INFINITY), new Reading(4, now + 10L * 365 * 86_400_000L, "t", 4),
                    new Reading(5, -5_000, "t", 5), new Reading(6, now, "t", 6));
            for (Reading r : odd) {
                write(sock.getOutputStream(), r);
            }
            List<ErrorFrame> errors = new ArrayList<>();
            long acked = -1;
            while (acked < 6) {
                Frame f = readFrame(in);
                if (f instanceof ErrorFrame e) {
                    errors.add(e);
                } else if (f instanceof Ack a) {
                    acked = a.seq();
                } else if (f instanceof Ping) {
                    write(sock.getOutputStream(), new Pong(0));
                }
            }
            // the connection goes on after each: content errors are not fatal
            assertThat(errors).extracting(ErrorFrame::code, ErrorFrame::seq).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(ErrorCode.BAD_VALUE, 1L), org.assertj.core.groups.Tuple.tuple(ErrorCode.BAD_VALUE, 2L),
                    org.assertj.core.groups.Tuple.tuple(ErrorCode.BAD_VALUE, 3L), org.assertj.core.groups.Tuple.tuple(ErrorCode.BAD_TIMESTAMP, 5L));
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
        }
        List<DeviceReading> all = assertEveryGoodReadingOnce(connect, s);
        List<DeviceReading> mine = all.stream().filter(d -> d.device().equals(device)).toList();
        // the far-future reading is kept with its time clamped (the original in a tag); the negative one is refused
        assertThat(mine).extracting(d -> d.reading().seq()).containsExactly(4L, 6L);
        DeviceReading future = mine.get(0);
        assertThat(future.reading().timestampMs()).isLessThan(now + 11 * 60_000L);
        assertThat(future.reading().tags()).containsKey("original_ts");
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "BAD_VALUE"))).isEqualTo(3);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "BAD_TIMESTAMP"))).isEqualTo(1);
        assertThat(SourceIt.metric(s.name(), "readings-rejected-total")).isEqualTo(4);
        assertThat(SourceIt.metric(s.name(), "timestamps-adjusted-total")).isEqualTo(1);
        connect.deleteConnector(s.name());
    }

    @Test
    void aSlowlorisIsCutByTheIdleTimeoutOnBothPorts(EmbeddedConnectCluster connect) throws Exception {
        Source s = start(connect, "hostile-slow", Map.of("connection.idle.timeout.ms", "2000"));
        try (DeviceFleet fleet = fleet(s, null); Socket framed = new Socket("127.0.0.1", s.port());
                Socket line = new Socket("127.0.0.1", s.linePort())) {
            // one byte a second, never a whole frame or line: the bytes do not count as activity
            byte[] hello = encode(new Hello(1, s.name() + "-slow", ""));
            CompletableFuture<Void> a = dribble(framed, hello);
            CompletableFuture<Void> b = dribble(line, ("{\"device\":\"" + s.name() + "-slow-line\",\"metric\":\"t\",\"value\":1}\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ErrorFrame e = readErrorAndEof(framed);
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(readErrorLineAndEof(line).code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            a.join();
            b.join();
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
        }
        assertEveryGoodReadingOnce(connect, s);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "IDLE_TIMEOUT"))).isEqualTo(2);
        connect.deleteConnector(s.name());
    }

    /**
     * 5,000 connections against a limit of 5,000: the fleet's devices and 4,997 idle sockets fill it,
     * then {@code EXTRA} more are refused. The test JVM holds both ends of each (client and the
     * in-JVM worker's server side), about 10,000 descriptors, within this machine's
     * {@code ulimit -n} of 20,000.
     */
    @Test
    void idleConnectionsPastTheLimitAreRefusedWhileConnectedDevicesGoOn(EmbeddedConnectCluster connect) throws Exception {
        int limit = 5_000;
        int extra = 10;
        Source s = start(connect, "hostile-many", Map.of("connections.max", Integer.toString(limit), "connections.max.per.address",
                Integer.toString(limit)));
        List<Socket> idle = new ArrayList<>();
        try (DeviceFleet fleet = fleet(s, null)) {
            for (var c : fleet.clients()) {
                assertThat(c.awaitConnected(Duration.ofSeconds(30))).isTrue();
            }
            try {
                for (int i = 0; i < limit - DEVICES; i++) {
                    idle.add(new Socket("127.0.0.1", i % 2 == 0 ? s.port() : s.linePort()));
                }
                await().atMost(Duration.ofSeconds(120)).until(() -> SourceIt.metric(s.name(), "connections-active") == limit);
                for (int i = 0; i < extra; i++) {
                    try (Socket sock = new Socket("127.0.0.1", i % 2 == 0 ? s.port() : s.linePort())) {
                        ErrorFrame e = i % 2 == 0 ? readErrorAndEof(sock) : readErrorLineAndEof(sock);
                        assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_CONNECTIONS);
                    }
                }
                assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
                assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
                assertThat(SourceIt.metric(s.name(), "connections-active")).isEqualTo(limit);
            } finally {
                for (Socket sock : idle) {
                    sock.close();
                }
            }
        }
        assertEveryGoodReadingOnce(connect, s);
        assertThat(SourceIt.metric(s.name(), "connections-refused-total")).isEqualTo(extra);
        assertThat(SourceIt.metric(s.name(), "errors-sent-total", Map.of("code", "TOO_MANY_CONNECTIONS"))).isEqualTo(extra);
        connect.deleteConnector(s.name());
    }

    @Test
    void tlsClientsWithAWrongCaOrAnExpiredCertificateFailTheHandshakeWhileOthersDeliverEverything(EmbeddedConnectCluster connect,
            @TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki other = TestPki.create(dir.resolve("other"));
        TestPki.KeyPair server = pki.server("sluice-source");
        Source s = start(connect, "hostile-tls", Map.of("tls.enabled", "true",
                "tls.certificate.chain.path", server.certificateChain().toString(),
                "tls.private.key.path", server.privateKey().toString(),
                "tls.trusted.certificates.path", pki.caCertificate().toString(),
                "tls.client.auth", "required"));
        TestPki.KeyPair good = pki.client("good-devices");
        SslContext goodTls = TlsSettings.pem(good.certificateChain(), good.privateKey(), pki.caCertificate()).clientContext();
        try (DeviceFleet fleet = fleet(s, goodTls)) {
            TestPki.KeyPair untrusted = pki.untrustedClient("intruder");
            TestPki.KeyPair expired = pki.expiredClient("old");
            // a client certificate from a CA the source does not trust, and an expired one
            for (TestPki.KeyPair bad : List.of(untrusted, expired)) {
                SslContext ctx = TlsSettings.pem(bad.certificateChain(), bad.privateKey(), pki.caCertificate()).clientContext();
                assertThatThrownBy(() -> handshakeAndRead(ctx, s.port())).isInstanceOf(IOException.class);
            }
            // a client that trusts another CA: it refuses the source's certificate itself
            SslContext wrongTrust = TlsSettings.pem(good.certificateChain(), good.privateKey(), other.caCertificate()).clientContext();
            assertThatThrownBy(() -> handshakeAndRead(wrongTrust, s.port())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            // the line port checks certificates the same way
            SslContext untrustedOnLine = TlsSettings.pem(untrusted.certificateChain(), untrusted.privateKey(), pki.caCertificate())
                    .clientContext();
            assertThatThrownBy(() -> handshakeAndRead(untrustedOnLine, s.linePort())).isInstanceOf(IOException.class);
            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
        }
        assertEveryGoodReadingOnce(connect, s);
        // each failed handshake once (it used to be counted twice: the handshake event and the decoder's exception)
        assertThat(SourceIt.metric(s.name(), "tls-handshake-failures-total")).isEqualTo(4);
        connect.deleteConnector(s.name());
    }

    /** A TLS handshake with {@code ctx}, then a HELLO and one frame read: fails where the handshake fails. */
    private static void handshakeAndRead(SslContext ctx, int port) throws IOException {
        javax.net.ssl.SSLContext jdk = ((io.netty.handler.ssl.JdkSslContext) ctx).context();
        try (SSLSocket sock = (SSLSocket) jdk.getSocketFactory().createSocket("127.0.0.1", port)) {
            sock.setSoTimeout(30_000);
            sock.startHandshake();
            write(sock.getOutputStream(), new Hello(1, "tls-probe", ""));
            DataInputStream in = new DataInputStream(sock.getInputStream());
            int len = in.readInt();
            in.readFully(new byte[len]);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The fleet's devices each have seqs 1..PER_DEVICE exactly once; returns every reading of the topic. */
    private static List<DeviceReading> assertEveryGoodReadingOnce(EmbeddedConnectCluster connect, Source s) {
        String prefix = s.name() + "-good-";
        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), s.topic(),
                (long) DEVICES * PER_DEVICE, Duration.ofSeconds(60), false);
        List<DeviceReading> all = SourceIt.parse(records).stream().map(DeviceReading.class::cast).toList();
        Map<String, List<Long>> seqs = all.stream().filter(d -> d.device().startsWith(prefix))
                .collect(Collectors.groupingBy(DeviceReading::device, Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
        assertThat(seqs).hasSize(DEVICES);
        seqs.forEach((device, list) -> {
            assertThat(list).as(device).hasSize(PER_DEVICE);
            TreeSet<Long> distinct = new TreeSet<>(list);
            assertThat(distinct).as(device).hasSize(PER_DEVICE);
            assertThat(distinct.first()).isEqualTo(1L);
            assertThat(distinct.last()).isEqualTo((long) PER_DEVICE);
        });
        return all;
    }

    /** Writes in the background; the source may close the socket mid-way (that is what is tested). */
    private static CompletableFuture<Void> writeQuietly(Socket sock, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = sock.getOutputStream();
                for (int i = 0; i < bytes.length; i += 8192) {
                    out.write(bytes, i, Math.min(8192, bytes.length - i));
                }
                out.flush();
            } catch (IOException closedBySource) {
                // expected once the source has answered and closed
            }
        });
    }

    /** The attacker's pace: one byte a second until the source closes the connection (or the bytes run out). */
    private static CompletableFuture<Void> dribble(Socket sock, byte[] bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        java.util.concurrent.ScheduledExecutorService pace = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        pace.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            try {
                if (i >= bytes.length - 1 || sock.isClosed()) {
                    done.complete(null);
                    return;
                }
                OutputStream out = sock.getOutputStream();
                out.write(bytes[i]);
                out.flush();
            } catch (IOException closedBySource) {
                done.complete(null); // expected once the source has cut it
            }
        }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        return done.whenComplete((v, e) -> pace.shutdownNow());
    }

    private static byte[] repeat(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    private static byte[] encode(Frame f) {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }

    private static void write(OutputStream out, Frame f) throws IOException {
        out.write(encode(f));
        out.flush();
    }

    private static Frame readFrame(DataInputStream in) throws IOException {
        int len = in.readInt();
        byte[] body = new byte[len];
        in.readFully(body);
        return FrameCodec.decode(Unpooled.wrappedBuffer(body), ProtocolLimits.DEFAULTS);
    }

    /** Reads one error frame, then expects the source to have closed the connection. */
    private static ErrorFrame readErrorAndEof(Socket sock) throws IOException {
        sock.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(sock.getInputStream());
        Frame f = readFrame(in);
        assertThat(f).isInstanceOf(ErrorFrame.class);
        assertClosed(() -> in.read() == -1);
        return (ErrorFrame) f;
    }

    /** Reads one error line (line mode), then expects the source to have closed the connection. */
    private static ErrorFrame readErrorLineAndEof(Socket sock) throws IOException {
        sock.setSoTimeout(30_000);
        BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
        ErrorFrame e = (ErrorFrame) FrameJson.fromJson(in.readLine(), ProtocolLimits.DEFAULTS);
        assertClosed(() -> in.readLine() == null);
        return e;
    }

    interface Read {
        boolean atEnd() throws IOException;
    }

    /**
     * The source closed the connection after its error: end of stream, or a reset when bytes the
     * client was still sending reached a socket that had already been closed.
     */
    private static void assertClosed(Read read) {
        try {
            assertThat(read.atEnd()).as("closed after the error").isTrue();
        } catch (java.net.SocketException reset) {
            assertThat(reset.getMessage()).contains("reset");
        } catch (IOException e) {
            throw new AssertionError("neither end of stream nor reset after the error", e);
        }
    }
}
