package io.sluice.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TelemetryJsonTest {

    private static ProtocolException error(String json) {
        try {
            TelemetryJson.parseRecord(json.getBytes(StandardCharsets.UTF_8));
        } catch (ProtocolException e) {
            return e;
        }
        throw new AssertionError("parsed: " + json);
    }

    @Test
    void readsEveryFieldAndIgnoresUnknownOnes() {
        var r = TelemetryJson.parseRecord(("{\"device\":\"d-1\",\"seq\":42,\"ts\":\"2023-11-14T22:13:20Z\",\"metric\":\"temp\","
                + "\"value\":21.5,\"tags\":{\"room\":\"a\",\"ok\":true},\"extra\":{\"nested\":[1,2]},\"kind\":null}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(r).isEqualTo(new DeviceReading("d-1",
                new Reading(42, 1_700_000_000_000L, "temp", 21.5, Map.of("room", "a", "ok", "true"))));
    }

    @Test
    void readsGaps() {
        var g = TelemetryJson.parseRecord(TelemetryJson.format(new Gap("d", "m", 10, 19, 10, "drop_oldest", 5)));
        assertThat(g).isEqualTo(new Gap("d", "m", 10, 19, 10, "drop_oldest", 5));
    }

    @Test
    void errorsSayWhatAndWhere() {
        assertThat(error("{\"device\":\"d\",\"metric\":\"m\"}").getMessage()).isEqualTo("record: missing 'value'");
        assertThat(error("{\"metric\":\"m\",\"value\":1}").getMessage()).isEqualTo("record: missing 'device'");
        assertThat(error("[1]").getMessage()).isEqualTo("record: expected a JSON object");
        assertThat(error("{\"device\":\"d\",\"metric\":\"m\",\"value\":1}{}").getMessage())
                .isEqualTo("record: more than one JSON value");
        assertThat(error("{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"seq\":1.5}").getMessage())
                .isEqualTo("record: 'seq' must be an integer, got a number");
        assertThat(error("{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"ts\":\"yesterday\"}").getMessage())
                .contains("ISO-8601");
        assertThat(error("{\"device\":\"d\",\"metric\":\"m\",\"value\":1,\"seq\":99999999999999999999}").getMessage())
                .isEqualTo("record: 'seq' does not fit in 64 bits");
        assertThat(error("{\"device\":").code()).isEqualTo(ErrorCode.BAD_JSON);
        assertThat(error("{\"device\":\"d\",\"x\":" + "[".repeat(100)).getMessage()).contains("nesting");
    }

    @Test
    void subjectReadsDeviceAndMetricOfAnyRecord() {
        assertThat(TelemetryJson.subject("{\"window\":{\"start\":1},\"metric\":\"t\",\"device\":\"d\",\"count\":3}"
                .getBytes(StandardCharsets.UTF_8))).isEqualTo(new TelemetryJson.Subject("d", "t"));
        assertThat(TelemetryJson.subject("not json".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new TelemetryJson.Subject(null, null));
    }

    @Provide
    Arbitrary<DeviceReading> readings() {
        return Combinators.combine(Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(20),
                Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.longs().between(0, 253_402_300_799_999L),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10), Arbitraries.doubles(),
                Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(5),
                        Arbitraries.strings().ofMaxLength(10)).ofMaxSize(3))
                .as((d, seq, ts, m, v, tags) -> new DeviceReading(d, new Reading(seq, ts, m, v, tags)));
    }

    @Property(tries = 500)
    void formatThenParseIsIdentity(@ForAll("readings") DeviceReading r) {
        assertThat(TelemetryJson.parseRecord(TelemetryJson.format(r))).isEqualTo(r);
    }
}
