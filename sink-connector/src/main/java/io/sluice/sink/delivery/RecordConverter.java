package io.sluice.sink.delivery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.ConverterType;

/**
 * Turns a Connect key or value into the bytes a peer receives. Bytes pass through unchanged
 * (use {@code ByteArrayConverter}: the Streams app's JSON arrives as it was written); strings
 * become UTF-8; structs, maps, lists and primitives become JSON (schemas off). Anything else
 * is a {@link DataException} with a message that says what to change.
 */
public final class RecordConverter {
    private final JsonConverter keyJson = new JsonConverter();
    private final JsonConverter valueJson = new JsonConverter();

    public RecordConverter() {
        keyJson.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false",
                JsonConverterConfig.TYPE_CONFIG, ConverterType.KEY.getName()));
        valueJson.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false",
                JsonConverterConfig.TYPE_CONFIG, ConverterType.VALUE.getName()));
    }

    public byte[] key(String topic, Schema schema, Object key) {
        return convert(topic, schema, key, keyJson, "key");
    }

    public byte[] value(String topic, Schema schema, Object value) {
        return convert(topic, schema, value, valueJson, "value");
    }

    private static byte[] convert(String topic, Schema schema, Object v, JsonConverter json, String what) {
        if (v == null) {
            return new byte[0];
        }
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof ByteBuffer bb) {
            ByteBuffer d = bb.duplicate();
            byte[] b = new byte[d.remaining()];
            d.get(b);
            return b;
        }
        if (v instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (v instanceof Struct || v instanceof Map || v instanceof List || v instanceof Number || v instanceof Boolean) {
            try {
                byte[] out = json.fromConnectData(topic, schema, v);
                return out == null ? new byte[0] : out;
            } catch (RuntimeException e) {
                throw new DataException("the record " + what + " cannot be written as JSON: " + e.getMessage(), e);
            }
        }
        throw new DataException("the record " + what + " is a " + v.getClass().getName() + ", which the sink cannot "
                + "deliver: use value.converter=org.apache.kafka.connect.converters.ByteArrayConverter (or a converter "
                + "giving bytes, strings, structs or maps)");
    }
}
