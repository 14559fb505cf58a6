package io.sluice.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.frame.Subscribe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameJsonTest {
    private static Frame roundTrip(Frame f) {
        return FrameJson.fromJson(FrameJson.toJson(f), ProtocolLimits.DEFAULTS);
    }

    @Test
    void framesRoundTripThroughJson() {
        List<Frame> frames = List.of(
                new Subscribe(List.of("aggregates"), List.of("files-.*"), List.of("pump-*"), List.of(), List.of(new Cursor("aggregates", 0, 41))),
                new PeerAck(List.of(new Cursor("t", 3, 99))),
                new ErrorFrame(ErrorCode.AUTH_FAILED, "wrong token", -1),
                new Reading(3, 1_700_000_000_000L, "temp", 1.25, Map.of("room", "a")),
                new FileInit("f1", "log.txt", 10, new byte[32], 4),
                new io.sluice.protocol.frame.FileChunk("f1", 4, 0xCAFE, new byte[] {1, 2, 3, 4}),
                new io.sluice.protocol.frame.FileStatus("f1", List.of(new io.sluice.protocol.frame.ByteRange(0, 8)), false),
                new io.sluice.protocol.frame.FileDelivery("files", 1, 77, "cam-1", "f1", "a.jpg", 10, new byte[32], 4, 8, -5,
                        new byte[] {9, 10}));
        for (Frame f : frames) {
            assertThat(roundTrip(f)).isEqualTo(f);
        }
    }

    @Test
    void recordValuesThatAreJsonAreEmbeddedNotEncoded() {
        byte[] value = "{\"device\":\"d1\",\"count\":3}".getBytes(StandardCharsets.UTF_8);
        Records rs = new Records(List.of(new DeliveredRecord("aggregates", 2, 17, 5, "d1".getBytes(StandardCharsets.UTF_8), value)));
        String json = FrameJson.toJson(rs);
        assertThat(json).isEqualTo("{\"type\":\"records\",\"records\":[{\"topic\":\"aggregates\",\"partition\":2,\"offset\":17,"
                + "\"timestamp\":5,\"key\":\"d1\",\"value\":{\"device\":\"d1\",\"count\":3}}]}");
        assertThat(roundTrip(rs)).isEqualTo(rs);
        Records text = new Records(List.of(new DeliveredRecord("t", 0, 0, 0, new byte[0], "not json".getBytes(StandardCharsets.UTF_8))));
        assertThat(FrameJson.toJson(text)).contains("\"value\":\"not json\"");
        assertThat(roundTrip(text)).isEqualTo(text);
    }

    @Test
    void aFileDeliveryCarriesItsBytesAsBase64() {
        String json = FrameJson.toJson(new io.sluice.protocol.frame.FileDelivery("files", 1, 77, "cam-1", "f1", "a.jpg", 3,
                new byte[32], 4, 0, 1, new byte[] {'a', 'b', 'c'}));
        assertThat(json).startsWith("{\"type\":\"file_delivery\",\"topic\":\"files\"").contains("\"data\":\"YWJj\"")
                .contains("\"chunkOffset\":0");
    }

    @Test
    void readingUsesTheSameFieldNamesAsLineMode() {
        assertThat(FrameJson.toJson(new Reading(1, 2, "m", 3.0))).isEqualTo(
                "{\"type\":\"reading\",\"seq\":1,\"ts\":2,\"metric\":\"m\",\"value\":3.0,\"tags\":{}}");
    }

    @Test
    void badMessagesAreTypedErrors() {
        assertThatThrownBy(() -> FrameJson.fromJson("{\"type\":\"nope\"}", ProtocolLimits.DEFAULTS))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON))
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> FrameJson.fromJson("not json", ProtocolLimits.DEFAULTS)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> FrameJson.fromJson("null", ProtocolLimits.DEFAULTS)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> FrameJson.fromJson("{\"type\":\"reading\",\"tags\":{\"a\":null}}", ProtocolLimits.DEFAULTS))
                .isInstanceOf(ProtocolException.class);
        String big = "{\"type\":\"ping\",\"nonce\":1,\"pad\":\"" + "x".repeat(2 << 20) + "\"}";
        assertThatThrownBy(() -> FrameJson.fromJson(big, ProtocolLimits.DEFAULTS))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE));
    }
}
