package io.sluice.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON forms of byte fields meant for people and browsers: keys as text, values embedded as
 * JSON when they are JSON (so a WebSocket peer gets objects, not base64).
 */
public final class JsonBytes {
    private JsonBytes() {
    }

    /** Bytes as a UTF-8 string. */
    public static final class TextSerializer extends JsonSerializer<byte[]> {
        @Override
        public void serialize(byte[] value, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeString(new String(value, StandardCharsets.UTF_8));
        }
    }

    public static final class TextDeserializer extends JsonDeserializer<byte[]> {
        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (byte[]) ctx.handleUnexpectedToken(byte[].class, p);
            }
            return p.getText().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Valid JSON is written as is; anything else as a UTF-8 string. */
    public static final class EmbeddedJsonSerializer extends JsonSerializer<byte[]> {
        @Override
        public void serialize(byte[] value, JsonGenerator g, SerializerProvider p) throws IOException {
            if (isJson(value)) {
                g.writeRawValue(new String(value, StandardCharsets.UTF_8).strip());
            } else {
                g.writeString(new String(value, StandardCharsets.UTF_8));
            }
        }
    }

    /** A string gives its UTF-8 bytes; any other JSON value gives its compact JSON text. */
    public static final class EmbeddedJsonDeserializer extends JsonDeserializer<byte[]> {
        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                return p.getText().getBytes(StandardCharsets.UTF_8);
            }
            TreeNode tree = p.readValueAsTree();
            return Json.MAPPER.writeValueAsBytes(tree);
        }
    }

    static boolean isJson(byte[] value) {
        if (value.length == 0) {
            return false;
        }
        try (JsonParser p = Json.FACTORY.createParser(value)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
