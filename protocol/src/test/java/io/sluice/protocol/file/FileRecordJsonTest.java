package io.sluice.protocol.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.FileDelivery;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileRecordJsonTest {
    private static final byte[] SHA = new byte[32];

    static {
        new Random(1).nextBytes(SHA);
    }

    @Test
    void chunksAndMarkersRoundTrip() {
        byte[] data = new byte[1000];
        new Random(2).nextBytes(data);
        FileRecord.Chunk c = new FileRecord.Chunk("dev-1", "f-1", "logs/a \"b\".txt", 5000, SHA, 1000, 2000, 0xCAFEBABE, data);
        assertThat(FileRecordJson.parse(FileRecordJson.write(c))).isEqualTo(c);
        FileRecord.Marker m = new FileRecord.Marker("dev-1", "f-1", "a.txt", 5000, SHA, 1000, 5, true);
        assertThat(FileRecordJson.parse(FileRecordJson.write(m))).isEqualTo(m);
        FileRecord.Marker failed = new FileRecord.Marker("dev-1", "f-1", "a.txt", 5000, SHA, 1000, 5, false);
        assertThat(FileRecordJson.parse(FileRecordJson.write(failed))).isEqualTo(failed);
    }

    @Test
    void theCrcIsUnsignedInJsonAndTheRecordFitsItsBound() {
        byte[] data = new byte[3000];
        FileRecord.Chunk c = new FileRecord.Chunk("d", "f", "n", 3000, SHA, 3000, 0, -1, data);
        String json = new String(FileRecordJson.write(c), StandardCharsets.UTF_8);
        assertThat(json).contains("\"crc32c\":4294967295").contains("\"kind\":\"chunk\"");
        assertThat((long) json.length()).isLessThanOrEqualTo(FileRecord.maxRecordBytes(3000));
    }

    @Test
    void connectsJsonWithNullsAndTheSchemaEnvelopeIsRead() {
        String plain = "{\"kind\":\"complete\",\"device\":\"d\",\"file_id\":\"f\",\"name\":\"n\",\"size\":0,\"sha256\":\""
                + "00".repeat(32) + "\",\"chunk_size\":10,\"offset\":null,\"crc32c\":null,\"data\":null,\"chunks\":1}";
        assertThat(FileRecordJson.parse(plain.getBytes(StandardCharsets.UTF_8))).isInstanceOf(FileRecord.Marker.class);
        String wrapped = "{\"schema\":{\"type\":\"struct\"},\"payload\":" + plain + "}";
        assertThat(FileRecordJson.parse(wrapped.getBytes(StandardCharsets.UTF_8))).isEqualTo(
                FileRecordJson.parse(plain.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void whatIsNotARecordIsRefusedPrecisely() {
        assertThatThrownBy(() -> FileRecordJson.parse("[1]".getBytes())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("must be a JSON object")
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_JSON));
        assertThatThrownBy(() -> FileRecordJson.parse("{\"kind\":\"chunk\",\"device\":\"d\"}".getBytes()))
                .hasMessageContaining("'file_id' is missing");
        assertThatThrownBy(() -> FileRecordJson.parse(("{\"kind\":\"x\",\"device\":\"d\",\"file_id\":\"f\",\"name\":\"n\","
                + "\"size\":1,\"sha256\":\"" + "0".repeat(64) + "\",\"chunk_size\":1}").getBytes()))
                .hasMessageContaining("unknown 'kind'");
        assertThatThrownBy(() -> FileRecordJson.parse("{not json".getBytes())).hasMessageContaining("not valid JSON");
    }

    @Test
    void aChunkBecomesTheFrameAPeerGets() {
        FileRecord.Chunk c = new FileRecord.Chunk("d", "f", "n", 4, SHA, 4, 0, 7, new byte[] {1, 2, 3, 4});
        FileDelivery d = c.toDelivery("files", 2, 99);
        assertThat(d).isEqualTo(new FileDelivery("files", 2, 99, "d", "f", "n", 4, SHA, 4, 0, 7, new byte[] {1, 2, 3, 4}));
    }

    @Test
    void aNameTooLongForTheWireIsCutForPeers() {
        FileRecord.Chunk c = new FileRecord.Chunk("d", "f", "\u00e9".repeat(600), 4, SHA, 4, 0, 7, new byte[] {1, 2, 3, 4});
        FileDelivery d = c.toDelivery("files", 0, 1);
        assertThat(d.name()).isEqualTo("\u00e9".repeat(512));
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer();
        io.sluice.protocol.codec.FrameCodec.encode(d, buf);
        assertThat(buf.readableBytes()).isGreaterThan(1024);
    }

    @Test
    void markersAreToldApartFromChunksWithoutDecodingTheData() {
        FileRecord.Chunk c = new FileRecord.Chunk("d", "f", "n", 4, SHA, 4, 0, 7, new byte[] {1, 2, 3, 4});
        FileRecord.Marker m = new FileRecord.Marker("d", "f", "n", 4, SHA, 4, 1, false);
        assertThat(FileRecordJson.isMarker(FileRecordJson.write(c))).isFalse();
        assertThat(FileRecordJson.isMarker(FileRecordJson.write(m))).isTrue();
        String wrapped = "{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":" + new String(FileRecordJson.write(m),
                StandardCharsets.UTF_8) + "}";
        assertThat(FileRecordJson.isMarker(wrapped.getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(FileRecordJson.isMarker("garbage".getBytes())).isFalse();
    }

    @Test
    void eventsRoundTripWithTheirFieldNames() {
        FileRecord.Marker m = new FileRecord.Marker("d", "f", "n", 4, SHA, 4, 1, true);
        FileEvent e = FileEvent.of(m, "files", 0, 12, null, 1700000000000L);
        String json = new String(e.toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"event\":\"file_complete\"").contains("\"file_id\":\"f\"").contains("\"path\":null");
        assertThat(FileEvent.parse(e.toJson())).isEqualTo(e);
    }
}
