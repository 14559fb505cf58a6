package io.sluice.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.LineDecoder;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.json.FrameJson;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Fuzzing of every decoder that takes bytes from the network: the framed stream decoder, line
 * mode, the WebSocket JSON form and the readings-topic JSON. Whatever comes in, the only
 * exception is the typed {@link ProtocolException}. Tries come from {@code jqwik.tries.default}:
 * 10 000 in the normal build, 1 000 000 with {@code ./mvnw -pl protocol -am test -Pfuzz}.
 */
class DecoderFuzzProperties {
    private static final ProtocolLimits LIMITS = ProtocolLimits.DEFAULTS.withMaxFrameBytes(4096).withMaxLineBytes(512);

    /** Bytes that look a little like frames: small lengths and known type bytes are common. */
    @Provide
    Arbitrary<byte[]> frameish() {
        Arbitrary<byte[]> header = Arbitraries.integers().between(0, 300).flatMap(len ->
                Arbitraries.integers().between(0, 0x30).map(type -> new byte[] {0, 0, (byte) (len >> 8), (byte) (int) len, (byte) (int) type}));
        Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(body, header.flatMap(h -> body.map(b -> concat(h, b))));
    }

    @Property
    void frameDecoderOnlyThrowsTheProtocolError(@ForAll("frameish") byte[] stream, @ForAll @IntRange(min = 1, max = 64) int chunk) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMITS));
        try {
            for (int i = 0; i < stream.length; i += chunk) {
                ch.writeInbound(Unpooled.wrappedBuffer(stream, i, Math.min(chunk, stream.length - i)));
                Object o;
                while ((o = ch.readInbound()) != null) {
                    assertThat(o).isInstanceOf(Frame.class);
                }
            }
        } catch (ProtocolException expected) {
            assertThat(expected.code()).isNotNull();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> valid = Arbitraries.of(
                "{\"device\":\"d1\",\"seq\":1,\"ts\":5,\"metric\":\"t\",\"value\":1.5,\"tags\":{\"a\":\"b\"}}",
                "{\"kind\":\"gap\",\"device\":\"d\",\"metric\":\"m\",\"first_seq\":1,\"last_seq\":2,\"count\":2,\"reason\":\"x\",\"ts\":1}",
                "{\"type\":\"subscribe\",\"topics\":[\"a\"],\"topicPatterns\":[],\"devices\":[],\"metrics\":[],\"resumeFrom\":[]}",
                "{\"type\":\"peer_ack\",\"cursors\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5}]}",
                "{\"type\":\"reading\",\"seq\":1,\"ts\":2,\"metric\":\"m\",\"value\":NaN,\"tags\":{}}");
        Arbitrary<String> mutated = valid.flatMap(v -> Arbitraries.integers().between(0, v.length() - 1)
                .flatMap(i -> Arbitraries.chars().map(c -> v.substring(0, i) + c + v.substring(i + 1))));
        Arbitrary<String> cut = valid.flatMap(v -> Arbitraries.integers().between(0, v.length()).map(i -> v.substring(0, i)));
        Arbitrary<String> random = Arbitraries.strings().withChars("{}[]\":,0123456789.-eEtruefalsnNaIy \\u").ofMaxLength(80);
        return Arbitraries.oneOf(valid, mutated, cut, random, Arbitraries.strings().ofMaxLength(60));
    }

    @Property
    void lineModeOnlyThrowsTheProtocolError(@ForAll("jsonish") String line, @ForAll @Size(max = 40) byte[] junk) {
        EmbeddedChannel ch = new EmbeddedChannel(new LineDecoder(LIMITS));
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(concat(line.getBytes(StandardCharsets.UTF_8), new byte[] {'\n'}, junk,
                    new byte[] {'\n'})));
            Object o;
            while ((o = ch.readInbound()) != null) {
                assertThat(o).isInstanceOfAny(DeviceReading.class, LineDecoder.RejectedLine.class);
            }
        } catch (ProtocolException expected) {
            assertThat(expected.code()).isNotNull();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Property
    void webSocketJsonOnlyThrowsTheProtocolError(@ForAll("jsonish") String message) {
        try {
            assertThat(FrameJson.fromJson(message, LIMITS)).isNotNull();
        } catch (ProtocolException expected) {
            assertThat(expected.code()).isNotNull();
        }
    }

    @Property
    void topicJsonOnlyThrowsTheProtocolError(@ForAll("jsonish") String record) {
        try {
            assertThat(TelemetryJson.parseRecord(record.getBytes(StandardCharsets.UTF_8))).isNotNull();
        } catch (ProtocolException expected) {
            assertThat(expected.code()).isNotNull();
        }
        // never throws at all
        TelemetryJson.subject(record.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : List.of(parts)) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
