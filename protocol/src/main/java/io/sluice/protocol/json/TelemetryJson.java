package io.sluice.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * The JSON form of telemetry, the same in line mode and in the readings topic:
 * <pre>
 * {"device":"d-1","seq":42,"ts":1700000000000,"metric":"temp","value":21.5,"tags":{"room":"a"}}
 * {"kind":"gap","device":"d-1","metric":"temp","first_seq":10,"last_seq":19,"count":10,"reason":"drop_oldest","ts":1700000000000}
 * </pre>
 * {@code seq}, {@code ts}, {@code tags} and {@code kind} (default {@code reading}) are optional;
 * {@code ts} may also be an ISO-8601 instant; unknown fields and nulls are ignored.
 */
public final class TelemetryJson {
    private TelemetryJson() {
    }

    /** Parses one line-mode line. A missing {@code ts} comes back as {@link Reading#NO_TIME}. */
    public static DeviceReading parseLine(ByteBuf line, long lineNumber) {
        TelemetryRecord r = parse(ByteBufUtil.getBytes(line), "line " + lineNumber);
        if (r instanceof DeviceReading d) {
            return d;
        }
        throw new ProtocolException(ErrorCode.BAD_JSON, "line " + lineNumber + ": gap records are written by the source, not sent by devices");
    }

    /** Parses a record of the readings topic. */
    public static TelemetryRecord parseRecord(byte[] json) {
        return parse(json, "record");
    }

    private static TelemetryRecord parse(byte[] json, String where) {
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            return read(p, where);
        } catch (StreamConstraintsException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, where + ": not valid JSON ("
                    + firstLine(e.getMessage()) + ")");
        }
    }

    private static TelemetryRecord read(JsonParser p, String where) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw bad(where, "expected a JSON object");
        }
        String kind = "reading";
        String device = null;
        String metric = null;
        String reason = null;
        long seq = Reading.NO_SEQ;
        long ts = Reading.NO_TIME;
        long firstSeq = -1;
        long lastSeq = -1;
        long count = -1;
        double value = 0;
        boolean hasValue = false;
        Map<String, String> tags = Map.of();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "kind" -> kind = text(p, v, where, field);
                case "device" -> device = text(p, v, where, field);
                case "metric" -> metric = text(p, v, where, field);
                case "value" -> {
                    value = number(p, v, where, field);
                    hasValue = true;
                }
                case "seq" -> seq = integer(p, v, where, field);
                case "ts" -> ts = timestamp(p, v, where);
                case "tags" -> tags = tags(p, v, where);
                case "first_seq" -> firstSeq = integer(p, v, where, field);
                case "last_seq" -> lastSeq = integer(p, v, where, field);
                case "count" -> count = integer(p, v, where, field);
                case "reason" -> reason = text(p, v, where, field);
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw bad(where, "unexpected " + t);
        }
        if (p.nextToken() != null) {
            throw bad(where, "more than one JSON value");
        }
        if (device == null) {
            throw bad(where, "missing 'device'");
        }
        ProtocolLimits.checkDeviceId(device);
        if (metric == null) {
            throw bad(where, "missing 'metric'");
        }
        switch (kind) {
            case "reading" -> {
                if (!hasValue) {
                    throw bad(where, "missing 'value'");
                }
                if (seq < Reading.NO_SEQ) {
                    throw bad(where, "'seq' must not be negative, was " + seq);
                }
                return new DeviceReading(device, new Reading(seq, ts, metric, value, tags));
            }
            case "gap" -> {
                if (count < 0 || firstSeq < 0 || lastSeq < firstSeq) {
                    throw bad(where, "a gap needs 'count' >= 0 and 0 <= 'first_seq' <= 'last_seq'");
                }
                return new Gap(device, metric, firstSeq, lastSeq, count, reason == null ? "unknown" : reason, ts);
            }
            default -> throw bad(where, "unknown kind '" + ProtocolLimits.printable(kind) + "'");
        }
    }

    private static String text(JsonParser p, JsonToken v, String where, String field) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw bad(where, "'" + field + "' must be a string, got " + describe(v));
        }
        return p.getText();
    }

    private static double number(JsonParser p, JsonToken v, String where, String field) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
            throw bad(where, "'" + field + "' must be a number, got " + describe(v));
        }
        return p.getDoubleValue();
    }

    private static long integer(JsonParser p, JsonToken v, String where, String field) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) {
            throw bad(where, "'" + field + "' must be an integer, got " + describe(v));
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw bad(where, "'" + field + "' does not fit in 64 bits");
        }
        return p.getLongValue();
    }

    private static long timestamp(JsonParser p, JsonToken v, String where) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            try {
                return Instant.parse(p.getText()).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                throw bad(where, "'ts' must be epoch milliseconds or an ISO-8601 instant, got '"
                        + ProtocolLimits.printable(p.getText()) + "'");
            }
        }
        long ts = integer(p, v, where, "ts");
        if (ts == Reading.NO_TIME) {
            throw bad(where, "'ts' out of range");
        }
        return ts;
    }

    private static Map<String, String> tags(JsonParser p, JsonToken v, String where) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            throw bad(where, "'tags' must be an object, got " + describe(v));
        }
        Map<String, String> tags = new HashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken tv = p.nextToken();
            if (!tv.isScalarValue() || tv == JsonToken.VALUE_NULL) {
                throw bad(where, "tag '" + ProtocolLimits.printable(key) + "' must be a string, number or boolean");
            }
            if (tags.size() >= 255) {
                throw bad(where, "more than 255 tags");
            }
            tags.put(key, p.getText());
        }
        if (t != JsonToken.END_OBJECT) {
            throw bad(where, "unexpected " + t + " in 'tags'");
        }
        return tags;
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> String.valueOf(t);
        };
    }

    private static ProtocolException bad(String where, String what) {
        return new ProtocolException(ErrorCode.BAD_JSON, where + ": " + what);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The device and metric a JSON record is about (either may be null), for routing and filters. */
    public record Subject(String device, String metric) {
    }

    /**
     * Reads only the top-level {@code device} and {@code metric} string fields of any JSON
     * object (a reading, a gap, an aggregate); returns nulls for what is absent or not JSON.
     */
    public static Subject subject(byte[] json) {
        String device = null;
        String metric = null;
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Subject(null, null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME && (device == null || metric == null)) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING && field.equals("device")) {
                    device = p.getText();
                } else if (v == JsonToken.VALUE_STRING && field.equals("metric")) {
                    metric = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON (or cut short): whatever was found so far
        }
        return new Subject(device, metric);
    }

    // ---------------------------------------------------------------- write

    /** One line-mode line (with the trailing newline) or readings-topic value for a reading. */
    public static byte[] format(DeviceReading dr) {
        return write(g -> {
            Reading r = dr.reading();
            g.writeStringField("device", dr.device());
            if (r.seq() != Reading.NO_SEQ) {
                g.writeNumberField("seq", r.seq());
            }
            if (r.timestampMs() != Reading.NO_TIME) {
                g.writeNumberField("ts", r.timestampMs());
            }
            g.writeStringField("metric", r.metric());
            g.writeNumberField("value", r.value());
            if (!r.tags().isEmpty()) {
                g.writeObjectFieldStart("tags");
                for (Map.Entry<String, String> e : r.tags().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
        });
    }

    /** The readings-topic value for a gap (with a trailing newline). */
    public static byte[] format(Gap gap) {
        return write(g -> {
            g.writeStringField("kind", "gap");
            g.writeStringField("device", gap.device());
            g.writeStringField("metric", gap.metric());
            g.writeNumberField("first_seq", gap.firstSeq());
            g.writeNumberField("last_seq", gap.lastSeq());
            g.writeNumberField("count", gap.count());
            g.writeStringField("reason", gap.reason());
            g.writeNumberField("ts", gap.timestampMs());
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
