package io.sluice.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.DeviceReading;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineDecoderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    private final EmbeddedChannel ch = new EmbeddedChannel(new LineDecoder(ProtocolLimits.DEFAULTS.withMaxLineBytes(200), CLOCK));

    private List<Object> feed(String... chunks) {
        for (String c : chunks) {
            ch.writeInbound(Unpooled.copiedBuffer(c, StandardCharsets.UTF_8));
        }
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    @Test
    void linesSplitAnywhereAndCrlfAndBlankLinesWork() {
        List<Object> out = feed("{\"device\":\"d1\",\"seq\":1,\"ts\":5,\"metric\":\"t\",\"va",
                "lue\":1.5}\r\n\n  \n{\"device\":\"d1\",\"metric\":\"t\",\"value\":2,\"tags\":{\"room\":\"a\",\"floor\":3}}\n");
        assertThat(out).containsExactly(
                new DeviceReading("d1", new Reading(1, 5, "t", 1.5)),
                new DeviceReading("d1", new Reading(Reading.NO_SEQ, 1_700_000_000_000L, "t", 2,
                        Map.of("room", "a", "floor", "3"))));
    }

    @Test
    void aLineOverTheLimitFailsWithoutWaitingForItsEnd() {
        String longLine = "{\"device\":\"d1\",\"metric\":\"" + "x".repeat(300);
        assertThatThrownBy(() -> feed(longLine))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINE_TOO_LONG))
                .hasMessage("line 1 is longer than the limit of 200 bytes");
    }

    @Test
    void badJsonIsFatalWithTheLineNumber() {
        assertThatThrownBy(() -> feed("{\"device\":\"d1\",\"metric\":\"t\",\"value\":1}\n{\"device\":\"d1\",\"metric\":\"t\",\"value\":\"hot\"}\n"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON))
                .hasMessage("line 2: 'value' must be a number, got a string");
    }

    @Test
    void contentErrorsAreRejectedLinesAndTheStreamGoesOn() {
        List<Object> out = feed("{\"device\":\"d1\",\"seq\":9,\"metric\":\"t\",\"value\":NaN}\n",
                "{\"device\":\"d1\",\"seq\":10,\"metric\":\"t\",\"value\":1}\n");
        assertThat(out).hasSize(2);
        LineDecoder.RejectedLine rejected = (LineDecoder.RejectedLine) out.get(0);
        assertThat(rejected.lineNumber()).isEqualTo(1);
        assertThat(rejected.error().code()).isEqualTo(ErrorCode.BAD_VALUE);
        assertThat(rejected.error().seq()).isEqualTo(9);
        assertThat(out.get(1)).isInstanceOf(DeviceReading.class);
    }

    @Test
    void badDeviceIdIsFatal() {
        assertThatThrownBy(() -> feed("{\"device\":\"../etc\",\"metric\":\"t\",\"value\":1}\n"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_DEVICE_ID));
    }
}
