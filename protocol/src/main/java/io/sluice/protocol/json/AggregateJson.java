package io.sluice.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.telemetry.Aggregate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON form of an {@link Aggregate}, the value of the aggregates topic (one object, no
 * trailing newline), flat so that kcat and jq read it directly:
 * <pre>
 * {"device":"d-1","metric":"temp","window_type":"tumbling","window_start":1700000000000,
 *  "window_end":1700000060000,"final":true,"closed_by":"stream_time","count":60,"sum":1290.0,
 *  "min":20.5,"max":22.0,"mean":21.5,"stddev":0.4,"first":20.5,"last":22.0,
 *  "percentiles":{"p50":21.49,"p99":21.98},"late":0,"gap_readings":0}
 * </pre>
 * {@code group} (an object of strings) appears for tag grouping; statistics that were not
 * configured, and those of an empty window, are absent. Non-finite numbers are written as null.
 */
public final class AggregateJson {
    private AggregateJson() {
    }

    public static byte[] format(Aggregate a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            // shortest round-tripping double text (Schubfach), much cheaper than Double.toString on JDK 17
            g.enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature());
            g.writeStartObject();
            g.writeStringField("device", a.device());
            g.writeStringField("metric", a.metric());
            if (!a.group().isEmpty()) {
                g.writeObjectFieldStart("group");
                for (Map.Entry<String, String> e : a.group().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeStringField("window_type", a.windowType());
            g.writeNumberField("window_start", a.windowStart());
            g.writeNumberField("window_end", a.windowEnd());
            g.writeBooleanField("final", a.isFinal());
            if (a.closedBy() != null) {
                g.writeStringField("closed_by", a.closedBy());
            }
            g.writeNumberField("count", a.count());
            number(g, "sum", a.sum());
            number(g, "min", a.min());
            number(g, "max", a.max());
            number(g, "mean", a.mean());
            number(g, "stddev", a.stddev());
            number(g, "first", a.first());
            number(g, "last", a.last());
            if (!a.percentiles().isEmpty()) {
                g.writeObjectFieldStart("percentiles");
                for (Map.Entry<String, Double> e : a.percentiles().entrySet()) {
                    number(g, e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeNumberField("late", a.late());
            g.writeNumberField("gap_readings", a.gapReadings());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void number(JsonGenerator g, String field, Double v) throws IOException {
        if (v == null) {
            return;
        }
        if (Double.isFinite(v)) {
            g.writeNumberField(field, v.doubleValue());
        } else {
            g.writeNullField(field);
        }
    }

    /** Parses an aggregates-topic value; anything wrong is a {@link ErrorCode#BAD_JSON} error. */
    public static Aggregate parse(byte[] json) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "aggregate: not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "aggregate: expected a JSON object");
        }
        Map<String, String> group = new LinkedHashMap<>();
        JsonNode g = n.get("group");
        if (g != null && g.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                group.put(e.getKey(), e.getValue().asText());
            }
        }
        Map<String, Double> percentiles = new LinkedHashMap<>();
        JsonNode p = n.get("percentiles");
        if (p != null && p.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                percentiles.put(e.getKey(), e.getValue().isNumber() ? e.getValue().doubleValue() : Double.NaN);
            }
        }
        JsonNode closedBy = n.get("closed_by");
        return new Aggregate(
                text(n, "device"), text(n, "metric"), group, text(n, "window_type"),
                integer(n, "window_start"), integer(n, "window_end"),
                n.path("final").asBoolean(false), closedBy == null || closedBy.isNull() ? null : closedBy.asText(),
                integer(n, "count"),
                optional(n, "sum"), optional(n, "min"), optional(n, "max"), optional(n, "mean"),
                optional(n, "stddev"), optional(n, "first"), optional(n, "last"),
                percentiles, n.path("late").asLong(0), n.path("gap_readings").asLong(0));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "aggregate: missing string '" + field + "'");
        }
        return v.asText();
    }

    private static long integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "aggregate: missing integer '" + field + "'");
        }
        return v.asLong();
    }

    private static Double optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null) {
            return null;
        }
        return v.isNumber() ? v.doubleValue() : Double.NaN;
    }
}
