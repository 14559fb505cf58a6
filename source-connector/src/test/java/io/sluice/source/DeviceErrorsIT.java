package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.sim.DeviceFleet;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.json.FrameJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.tls.TlsSettings;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import io.sluice.testkit.TestPki;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on real connections: each offender gets a precise error and is closed (or, for a
 * content error, goes on), counted in the metrics, while well-behaved devices on the same task
 * deliver every reading exactly once.
 */
@ExtendWith(SharedKafka.class)
class DeviceErrorsIT {
    private static final int DEVICES = 10;
    private static final int PER_DEVICE = 300;

    @Test
    void malformedOversizeAndUnauthorizedConnectionsAreRefusedWhileOthersDeliverEverything(EmbeddedConnectCluster connect)
            throws Exception {
        String name = TestKafka.uniqueName("src-errors");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 1);
        int port = SourceIt.freePort();
        Map<String, String> props = SourceIt.props(topic, port);
        props.put("auth.tokens", "*=good-token");
        props.put("frame.max.bytes", "4096");
        props.put("line.max.bytes", "1024");
        SourceIt.startConnector(connect, name, props);

        DeviceFleet.Settings s = DeviceFleet.Settings.of(SourceIt.local(port), DEVICES, PER_DEVICE).withIdPrefix(name + "-")
                .withBatch(20, Duration.ofMillis(5)).withRate(3_000).withToken("good-token");
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            // a frame that ends inside its first field
            try (Socket sock = new Socket("127.0.0.1", port)) {
                sock.getOutputStream().write(new byte[] {0, 0, 0, 5, 0x03, 1, 2, 3, 4});
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
                assertThat(e.message()).contains("frame ends inside 'seq'");
            }
            // a frame over the limit: refused from its length alone
            try (Socket sock = new Socket("127.0.0.1", port)) {
                sock.getOutputStream().write(new byte[] {0, 1, 0, 0, 0x04});
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
                assertThat(e.message()).isEqualTo("frame of 65536 bytes exceeds the limit of 4096");
            }
            // a wrong token
            try (Socket sock = new Socket("127.0.0.1", port)) {
                write(sock.getOutputStream(), new Hello(1, "intruder", "guess"));
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED);
                assertThat(e.message()).isEqualTo("wrong token for device 'intruder'");
            }
            // readings before HELLO
            try (Socket sock = new Socket("127.0.0.1", port)) {
                write(sock.getOutputStream(), new io.sluice.protocol.frame.Reading(1, System.currentTimeMillis(), "t", 1));
                assertThat(readErrorAndEof(sock).code()).isEqualTo(ErrorCode.HELLO_REQUIRED);
            }
            // the DeviceClient library gives up for good on a wrong token
            DeviceClient bad = DeviceClient.start(DeviceClientConfig.builder("intruder-2", SourceIt.local(port)).token("nope").build());
            try {
                assertThatThrownBy(() -> bad.awaitConnected(Duration.ofSeconds(30))).hasMessageContaining("AUTH_FAILED");
            } finally {
                bad.closeNow();
            }

            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.stats().acked()).isEqualTo((long) DEVICES * PER_DEVICE);
        }
        assertEveryReadingOnce(connect, topic, name + "-");
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "MALFORMED_FRAME"))).isEqualTo(1);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "FRAME_TOO_LARGE"))).isEqualTo(1);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "AUTH_FAILED"))).isEqualTo(2);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "HELLO_REQUIRED"))).isEqualTo(1);
        connect.deleteConnector(name);
    }

    @Test
    void onTlsPortsPlaintextClientsBadJsonAndForeignDeviceIdsAreRefusedWhileOthersDeliverEverything(EmbeddedConnectCluster connect,
            @TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        TestPki.KeyPair server = pki.server("sluice-source");
        String name = TestKafka.uniqueName("src-tls");
        String topic = name + "-readings";
        connect.kafka().createTopic(topic, 1);
        int port = SourceIt.freePort();
        int linePort = SourceIt.freePort();
        Map<String, String> props = SourceIt.props(topic, port);
        props.put("line.listen.port", Integer.toString(linePort));
        props.put("tls.enabled", "true");
        props.put("tls.certificate.chain.path", server.certificateChain().toString());
        props.put("tls.private.key.path", server.privateKey().toString());
        props.put("tls.trusted.certificates.path", pki.caCertificate().toString());
        props.put("tls.client.auth", "optional");
        props.put("tls.device.id.from.certificate", "true");
        SourceIt.startConnector(connect, name, props);

        SslContext clientTls = TlsSettings.pem(null, null, pki.caCertificate()).clientContext();
        DeviceFleet.Settings s = new DeviceFleet.Settings(List.of(SourceIt.local(port)), DEVICES, name + "-", 3_000, PER_DEVICE, null,
                List.of("temperature"), 20, Duration.ofMillis(5), 10_000, "", clientTls, 1);
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            // plaintext on the TLS framed port: an unencrypted error frame, then closed
            try (Socket sock = new Socket("127.0.0.1", port)) {
                write(sock.getOutputStream(), new Hello(1, "plain", ""));
                ErrorFrame e = readErrorAndEof(sock);
                assertThat(e.code()).isEqualTo(ErrorCode.NOT_THIS_PROTOCOL);
                assertThat(e.message()).contains("requires TLS");
            }
            // plaintext on the TLS line port: an error line, then closed
            try (Socket sock = new Socket("127.0.0.1", linePort)) {
                sock.getOutputStream().write("{\"device\":\"plain\",\"metric\":\"t\",\"value\":1}\n".getBytes(StandardCharsets.UTF_8));
                BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
                ErrorFrame e = (ErrorFrame) FrameJson.fromJson(in.readLine(), ProtocolLimits.DEFAULTS);
                assertThat(e.code()).isEqualTo(ErrorCode.NOT_THIS_PROTOCOL);
                assertThat(in.readLine()).isNull();
            }
            // line mode over TLS: a good line, a content error (the connection goes on), another good line, then bad JSON
            SslContext jdk = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(pki.caCertificate().toFile()).build();
            try (SSLSocket sock = (SSLSocket) ((JdkSslContext) jdk).context().getSocketFactory().createSocket("127.0.0.1", linePort)) {
                long now = System.currentTimeMillis();
                OutputStream out = sock.getOutputStream();
                out.write(("{\"device\":\"" + name + "-line\",\"seq\":1,\"ts\":" + now + ",\"metric\":\"t\",\"value\":1}\n"
                        + "{\"device\":\"" + name + "-line\",\"seq\":2,\"ts\":" + now + ",\"metric\":\"9bad\",\"value\":2}\n"
                        + "{\"device\":\"" + name + "-line\",\"seq\":3,\"ts\":" + now + ",\"metric\":\"t\",\"value\":3}\n"
                        + "{\"device\":\"" + name + "-line\",\"seq\":4,\"metric\":\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
                ErrorFrame content = (ErrorFrame) FrameJson.fromJson(in.readLine(), ProtocolLimits.DEFAULTS);
                assertThat(content.code()).isEqualTo(ErrorCode.BAD_METRIC);
                assertThat(content.message()).startsWith("line 2: ");
                ErrorFrame json = (ErrorFrame) FrameJson.fromJson(in.readLine(), ProtocolLimits.DEFAULTS);
                assertThat(json.code()).isEqualTo(ErrorCode.BAD_JSON);
                assertThat(json.message()).startsWith("line 4: ");
                assertThat(in.readLine()).isNull();
            }
            // a client certificate for one device cannot speak for another
            TestPki.KeyPair cert = pki.client(name + "-cert-holder");
            SslContext mtls = TlsSettings.pem(cert.certificateChain(), cert.privateKey(), pki.caCertificate()).clientContext();
            DeviceClient impostor = DeviceClient.start(DeviceClientConfig.builder(name + "-someone-else", SourceIt.local(port))
                    .ssl(mtls).build());
            try {
                assertThatThrownBy(() -> impostor.awaitConnected(Duration.ofSeconds(30))).hasMessageContaining("NOT_ALLOWED")
                        .hasMessageContaining("not a name of the client certificate");
            } finally {
                impostor.closeNow();
            }
            try (DeviceClient holder = DeviceClient.start(DeviceClientConfig.builder(name + "-cert-holder", SourceIt.local(port))
                    .ssl(mtls).build())) {
                assertThat(holder.awaitConnected(Duration.ofSeconds(30))).isTrue();
                holder.send("temperature", 1.0);
                assertThat(holder.flush(Duration.ofSeconds(30))).isTrue();
            }

            assertThat(fleet.awaitGenerated(Duration.ofSeconds(90))).isTrue();
            assertThat(fleet.flush(Duration.ofSeconds(90))).isTrue();
        }
        List<ConsumerRecord<byte[], byte[]>> records = assertEveryReadingOnce(connect, topic, name + "-0");
        Map<String, List<Long>> others = SourceIt.parse(records).stream().map(DeviceReading.class::cast)
                .filter(d -> !d.device().startsWith(name + "-0"))
                .collect(Collectors.groupingBy(DeviceReading::device, Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
        assertThat(others).containsOnly(Map.entry(name + "-line", List.of(1L, 3L)), Map.entry(name + "-cert-holder", List.of(1L)));
        assertThat(SourceIt.metric(name, "tls-plaintext-refused-total")).isEqualTo(2);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "BAD_JSON"))).isEqualTo(1);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "BAD_METRIC"))).isEqualTo(1);
        assertThat(SourceIt.metric(name, "errors-sent-total", Map.of("code", "NOT_ALLOWED"))).isGreaterThanOrEqualTo(1);
        connect.deleteConnector(name);
    }

    /** The fleet's devices (ids starting with {@code prefix}) each have seqs 1..PER_DEVICE exactly once. */
    private static List<ConsumerRecord<byte[], byte[]>> assertEveryReadingOnce(EmbeddedConnectCluster connect, String topic, String prefix) {
        List<ConsumerRecord<byte[], byte[]>> records = SourceIt.readAll(connect.kafka().bootstrapServers(), topic,
                (long) DEVICES * PER_DEVICE, Duration.ofSeconds(60), false);
        Map<String, List<Long>> seqs = SourceIt.parse(records).stream().map(DeviceReading.class::cast)
                .filter(d -> d.device().startsWith(prefix))
                .collect(Collectors.groupingBy(DeviceReading::device, Collectors.mapping(d -> d.reading().seq(), Collectors.toList())));
        assertThat(seqs).hasSize(DEVICES);
        seqs.forEach((device, list) -> {
            assertThat(list).as(device).hasSize(PER_DEVICE);
            TreeSet<Long> distinct = new TreeSet<>(list);
            assertThat(distinct).as(device).hasSize(PER_DEVICE);
            assertThat(distinct.last()).isEqualTo((long) PER_DEVICE);
        });
        return records;
    }

    private static void write(OutputStream out, Frame f) throws java.io.IOException {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        out.write(bytes);
        out.flush();
    }

    /** Reads one error frame, then expects the source to have closed the connection. */
    private static ErrorFrame readErrorAndEof(Socket sock) throws Exception {
        sock.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(sock.getInputStream());
        int len = in.readInt();
        byte[] body = new byte[len];
        in.readFully(body);
        Frame f = FrameCodec.decode(Unpooled.wrappedBuffer(body), ProtocolLimits.DEFAULTS);
        assertThat(f).isInstanceOf(ErrorFrame.class);
        assertThat(in.read()).as("closed after the error").isEqualTo(-1);
        return (ErrorFrame) f;
    }
}
