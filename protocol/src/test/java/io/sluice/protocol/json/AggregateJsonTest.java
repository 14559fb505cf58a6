package io.sluice.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.telemetry.Aggregate;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregateJsonTest {

    private static Aggregate full() {
        return new Aggregate("d-1", "temp", Map.of(), Aggregate.TUMBLING, 1_700_000_000_000L, 1_700_000_060_000L,
                true, "stream_time", 60, 1290.0, 20.5, 22.0, 21.5, 0.4, 20.5, 22.0,
                Map.of("p50", 21.49, "p99.9", 21.98), 3, 7);
    }

    @Test
    void roundTripsEveryField() {
        Aggregate a = full();
        assertThat(AggregateJson.parse(AggregateJson.format(a))).isEqualTo(a);
    }

    @Test
    void omitsStatisticsThatWereNotConfigured() {
        Aggregate a = new Aggregate("d-1", "temp", Map.of(), Aggregate.SESSION, 10, 20, false, null, 2,
                null, 1.0, 2.0, null, null, null, null, Map.of(), 0, 0);
        String json = new String(AggregateJson.format(a), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"sum\"", "\"mean\"", "percentiles", "closed_by", "group")
                .contains("\"min\":1.0", "\"final\":false", "\"window_type\":\"session\"");
        assertThat(AggregateJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(a);
    }

    @Test
    void theSinkFindsDeviceAndMetricAtTopLevel() {
        TelemetryJson.Subject s = TelemetryJson.subject(AggregateJson.format(full()));
        assertThat(s).isEqualTo(new TelemetryJson.Subject("d-1", "temp"));
    }

    @Test
    void keyIsDeviceMetricWindowStartAndTagGroupsGetTheirOwnKey() {
        assertThat(full().key()).isEqualTo("d-1/temp/1700000000000");
        Aggregate byTag = new Aggregate(Aggregate.ANY, "temp", Map.of("room", "a"), Aggregate.HOPPING, 5, 10, true,
                "idle", 1, 1.0, null, null, null, null, null, null, null, 0, 0);
        assertThat(byTag.key()).isEqualTo("room=a/temp/5");
        assertThat(AggregateJson.parse(AggregateJson.format(byTag)).group()).containsEntry("room", "a");
    }

    @Test
    void nonFiniteValuesAreWrittenAsNull() {
        Aggregate a = new Aggregate("d", "m", Map.of(), Aggregate.TUMBLING, 0, 1, true, null, 1,
                Double.POSITIVE_INFINITY, null, null, null, null, null, null, Map.of(), 0, 0);
        assertThat(new String(AggregateJson.format(a), StandardCharsets.UTF_8)).contains("\"sum\":null");
    }

    @Test
    void rejectsWhatIsNotAnAggregate() {
        assertThatThrownBy(() -> AggregateJson.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).matches(e -> ((ProtocolException) e).code() == ErrorCode.BAD_JSON);
        assertThatThrownBy(() -> AggregateJson.parse("{\"device\":\"d\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("'metric'");
        assertThatThrownBy(() -> AggregateJson.parse("{not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not valid JSON");
    }
}
