package io.sluice.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private final ProtocolLimits limits = ProtocolLimits.DEFAULTS;

    private static ProtocolException decodeError(byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(ProtocolLimits.DEFAULTS));
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        } catch (ProtocolException e) {
            return e;
        } finally {
            ch.finishAndReleaseAll();
        }
        throw new AssertionError("no error");
    }

    @Test
    void tlsHandshakeOnThePlainPortIsNamed() {
        ProtocolException e = decodeError(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_THIS_PROTOCOL);
        assertThat(e.getMessage()).contains("TLS handshake on a plaintext port");
    }

    @Test
    void httpAndJsonOnTheFramedPortAreNamed() {
        assertThat(decodeError("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)).getMessage()).contains("HTTP request");
        assertThat(decodeError("{\"device\":\"x\"}\n".getBytes(StandardCharsets.US_ASCII)).getMessage())
                .contains("line-mode port");
    }

    @Test
    void zeroLengthFrameIsMalformed() {
        ProtocolException e = decodeError(new byte[] {0, 0, 0, 0, 1});
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
    }

    @Test
    void unknownTypeIsNamed() {
        ProtocolException e = decodeError(new byte[] {0, 0, 0, 1, (byte) 0xEE});
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FRAME_TYPE);
        assertThat(e.getMessage()).contains("0xee");
    }

    @Test
    void batchOverTheLimitIsRefusedWithItsOwnCode() {
        ProtocolLimits small = limits.withMaxBatchReadings(10);
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            readings.add(new Reading(i, 1, "m", i));
        }
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(new ReadingBatch(readings), buf);
        buf.skipBytes(4);
        assertThatThrownBy(() -> FrameCodec.decode(buf, small))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BATCH_TOO_LARGE))
                .hasMessage("batch of 11 readings, the limit is 10");
    }

    @Test
    void trailingBytesAreMalformed() {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(new Ack(7), buf);
        buf.setInt(0, buf.getInt(0) + 2);
        buf.writeShort(0);
        ProtocolException e = decodeError(bytes(buf));
        assertThat(e.getMessage()).isEqualTo("2 unexpected bytes after ACK frame");
    }

    @Test
    void invalidUtf8IsMalformedNotReplaced() {
        // READING with metric bytes C3 28 (an invalid 2-byte sequence)
        ByteBuf buf = Unpooled.buffer();
        buf.writeInt(0).writeByte(0x03).writeLong(1).writeLong(1).writeShort(2).writeByte(0xC3).writeByte(0x28)
                .writeDouble(1.0).writeByte(0);
        buf.setInt(0, buf.readableBytes() - 4);
        ProtocolException e = decodeError(bytes(buf));
        assertThat(e.getMessage()).isEqualTo("'metric' is not valid UTF-8");
    }

    @Test
    void afterAnErrorTheRestIsDiscarded() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(limits));
        ByteBuf good = Unpooled.buffer();
        FrameCodec.encode(new Ack(1), good);
        ByteBuf stream = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0, 1, (byte) 0xEE});
        assertThatThrownBy(() -> ch.writeInbound(stream)).isInstanceOf(ProtocolException.class);
        ch.writeInbound(good);
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        return b;
    }
}
