package io.sluice.source.record;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Gap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * The value schema of the readings topic. Through {@code JsonConverter} with
 * {@code schemas.enable=false} it gives exactly the JSON that
 * {@link io.sluice.protocol.json.TelemetryJson#parseRecord} reads:
 * <pre>
 * {"kind":null,"device":"d-1","seq":42,"ts":1700000000000,"metric":"temp","value":21.5,"tags":{"room":"a"},
 *  "first_seq":null,"last_seq":null,"count":null,"reason":null}
 * {"kind":"gap","device":"d-1","seq":null,"ts":1700000000000,"metric":"temp","value":null,"tags":null,
 *  "first_seq":10,"last_seq":19,"count":10,"reason":"drop_oldest"}
 * </pre>
 * Null fields are ignored by the parser; other converters (Avro, Protobuf, JSON with schemas) carry
 * the same fields.
 */
public final class TelemetrySchema {
    public static final String NAME = "io.sluice.telemetry.Record";
    public static final int VERSION = 1;

    public static final String KIND = "kind";
    public static final String DEVICE = "device";
    public static final String SEQ = "seq";
    public static final String TS = "ts";
    public static final String METRIC = "metric";
    public static final String VALUE = "value";
    public static final String TAGS = "tags";
    public static final String FIRST_SEQ = "first_seq";
    public static final String LAST_SEQ = "last_seq";
    public static final String COUNT = "count";
    public static final String REASON = "reason";

    public static final Schema TAGS_SCHEMA = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional()
            .doc("Labels of the reading").build();

    public static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name(NAME).version(VERSION)
            .doc("A device reading (kind null) or a gap report (kind \"gap\") of the Sluice source")
            .field(KIND, SchemaBuilder.string().optional().doc("null for a reading, \"gap\" for dropped readings").build())
            .field(DEVICE, SchemaBuilder.string().doc("Device id").build())
            .field(SEQ, SchemaBuilder.int64().optional().doc("Per-device sequence number, from 1; null in line mode without one").build())
            .field(TS, SchemaBuilder.int64().doc("Event time, epoch milliseconds").build())
            .field(METRIC, SchemaBuilder.string().doc("Metric name").build())
            .field(VALUE, SchemaBuilder.float64().optional().doc("The reading; null for a gap").build())
            .field(TAGS, TAGS_SCHEMA)
            .field(FIRST_SEQ, SchemaBuilder.int64().optional().doc("Gap: lowest seq dropped").build())
            .field(LAST_SEQ, SchemaBuilder.int64().optional().doc("Gap: highest seq dropped").build())
            .field(COUNT, SchemaBuilder.int64().optional().doc("Gap: readings dropped").build())
            .field(REASON, SchemaBuilder.string().optional().doc("Gap: drop_oldest or drop_newest").build())
            .build();

    private TelemetrySchema() {
    }

    public static Struct reading(String device, Reading r) {
        Struct s = new Struct(VALUE_SCHEMA)
                .put(DEVICE, device)
                .put(TS, r.timestampMs())
                .put(METRIC, r.metric())
                .put(VALUE, r.value());
        if (r.seq() != Reading.NO_SEQ) {
            s.put(SEQ, r.seq());
        }
        if (!r.tags().isEmpty()) {
            s.put(TAGS, Map.copyOf(r.tags()));
        }
        return s;
    }

    public static Struct gap(Gap g) {
        return new Struct(VALUE_SCHEMA)
                .put(KIND, "gap")
                .put(DEVICE, g.device())
                .put(TS, g.timestampMs())
                .put(METRIC, g.metric())
                .put(FIRST_SEQ, g.firstSeq())
                .put(LAST_SEQ, g.lastSeq())
                .put(COUNT, g.count())
                .put(REASON, g.reason());
    }
}
