package io.sluice.source.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.source.buffer.Drained;
import io.sluice.source.config.PatternRule;
import java.util.List;
import java.util.Map;
import io.sluice.source.config.RecordValueFormat;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The record value through JsonConverter (schemas.enable=false) is exactly what the Streams app parses. */
class TelemetrySchemaTest {
    private static byte[] json(SourceRecord r) {
        try (JsonConverter c = new JsonConverter()) {
            c.configure(Map.of("schemas.enable", "false"), false);
            return c.fromConnectData(r.topic(), r.valueSchema(), r.value());
        }
    }

    private final RecordFactory factory = new RecordFactory(new TopicRouter("readings", PatternRule.parseAll("topic.routes",
            List.of("metric:power.*=power", "device:lab-.*=lab"), List.of(PatternRule.Subject.DEVICE, PatternRule.Subject.METRIC))),
            d -> 7L);

    @Test
    void aReadingRoundTripsThroughJsonConverterAndTelemetryJson() {
        Reading r = new Reading(42, 1_700_000_000_000L, "temperature", 21.5, Map.of("room", "a", "floor", "2"));
        SourceRecord rec = factory.toRecord(new Drained.ReadingItem("dev-1", r, "127.0.0.1:5000", new long[] {42}, false, true, 42));
        TelemetryRecord parsed = TelemetryJson.parseRecord(json(rec));
        assertThat(parsed).isEqualTo(new DeviceReading("dev-1", r));
        assertThat(rec.key()).isEqualTo("dev-1");
        assertThat(rec.timestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(rec.topic()).isEqualTo("readings");
        assertThat(rec.sourcePartition()).isEqualTo(Map.of("device", "dev-1"));
        assertThat(rec.sourceOffset()).isEqualTo(Map.of("seq", 42L));
        assertThat(rec.headers().lastWithName(RecordFactory.SEQ_HEADER).value()).isEqualTo(42L);
        assertThat(rec.headers().lastWithName(RecordFactory.CONNECTION_HEADER).value()).isEqualTo("127.0.0.1:5000");
        assertThat(((TelemetrySourceRecord) rec).seqs()).containsExactly(42);
    }

    @Test
    void aReadingWithoutTagsOrSeqRoundTripsToo() {
        Reading r = new Reading(Reading.NO_SEQ, 5, "x", -1.25, Map.of());
        SourceRecord rec = factory.toRecord(new Drained.ReadingItem("line-dev", r, "c", new long[0], false, false, -1));
        assertThat(TelemetryJson.parseRecord(json(rec))).isEqualTo(new DeviceReading("line-dev", r));
        assertThat(rec.sourcePartition()).isEqualTo(Map.of("device", "line-dev", "mode", "line"));
        assertThat(((TelemetrySourceRecord) rec).seqs()).isEmpty();
    }

    @Test
    void aGapRoundTripsAndItsOffsetNeverGoesBackwards() {
        SourceRecord first = factory.toRecord(new Drained.ReadingItem("dev-1", new Reading(9, 1, "temperature", 1), "c",
                new long[] {9}, false, true, 9));
        Gap g = new Gap("dev-1", "temperature", 3, 5, 3, "drop_oldest", 123);
        SourceRecord rec = factory.toRecord(new Drained.GapItem(g));
        assertThat(TelemetryJson.parseRecord(json(rec))).isEqualTo(g);
        assertThat(first.sourceOffset()).isEqualTo(Map.of("seq", 9L));
        assertThat(rec.sourceOffset()).as("acked is 7, but 9 was already handed out").isEqualTo(Map.of("seq", 9L));
        assertThat(rec.key()).isEqualTo("dev-1");
    }

    @Test
    void routesPickTheTopicByMetricOrDevice() {
        assertThat(factory.toRecord(new Drained.ReadingItem("d", new Reading(1, 1, "power_w", 1), "c", new long[] {1}, false, true, 1))
                .topic()).isEqualTo("power");
        assertThat(factory.toRecord(new Drained.ReadingItem("lab-3", new Reading(1, 1, "t", 1), "c", new long[] {1}, false, true, 1))
                .topic()).isEqualTo("lab");
    }

    private final RecordFactory jsonFactory = new RecordFactory(new TopicRouter("readings", List.of()), d -> 7L,
            RecordValueFormat.JSON, true);

    @Test
    void jsonFormatWritesTheSameReadingAsTheStructThroughJsonConverter() {
        Reading r = new Reading(42, 1_700_000_000_000L, "temperature", 21.5, Map.of("room", "a", "floor", "2"));
        Drained.ReadingItem item = new Drained.ReadingItem("dev-1", r, "127.0.0.1:5000", new long[] {42}, false, true, 42);
        SourceRecord struct = factory.toRecord(item);
        SourceRecord json = jsonFactory.toRecord(item);
        assertThat(json.valueSchema()).isEqualTo(Schema.BYTES_SCHEMA);
        byte[] bytes;
        try (ByteArrayConverter c = new ByteArrayConverter()) {
            c.configure(Map.of(), false);
            bytes = c.fromConnectData(json.topic(), json.valueSchema(), json.value());
        }
        assertThat(TelemetryJson.parseRecord(bytes)).isEqualTo(new DeviceReading("dev-1", r))
                .isEqualTo(TelemetryJson.parseRecord(json(struct)));
        assertThat(json.key()).isEqualTo(struct.key());
        assertThat(json.timestamp()).isEqualTo(struct.timestamp());
        assertThat(json.sourcePartition()).isEqualTo(struct.sourcePartition());
        assertThat(json.sourceOffset()).isEqualTo(struct.sourceOffset());
        assertThat(json.headers().lastWithName(RecordFactory.SEQ_HEADER).value()).isEqualTo(42L);
        assertThat(((TelemetrySourceRecord) json).seqs()).containsExactly(42);
    }

    @Test
    void jsonFormatWritesGapsAsTelemetryJsonToo() {
        Gap g = new Gap("dev-1", "temperature", 3, 5, 3, "drop_oldest", 123);
        SourceRecord rec = jsonFactory.toRecord(new Drained.GapItem(g));
        assertThat(rec.valueSchema()).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(TelemetryJson.parseRecord((byte[]) rec.value())).isEqualTo(g);
    }

    @Test
    void headersCanBeTurnedOff() {
        RecordFactory bare = new RecordFactory(new TopicRouter("readings", List.of()), d -> 7L, RecordValueFormat.STRUCT, false);
        SourceRecord rec = bare.toRecord(new Drained.ReadingItem("dev-1", new Reading(3, 1, "t", 1), "c", new long[] {3}, false, true,
                3));
        assertThat(rec.headers().isEmpty()).isTrue();
        assertThat(rec.sourceOffset()).isEqualTo(Map.of("seq", 3L));
        assertThat(TelemetryJson.parseRecord(json(rec))).isEqualTo(new DeviceReading("dev-1", new Reading(3, 1, "t", 1)));
    }
}
