package io.sluice.protocol.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON form of frames, used over WebSocket: each frame is one JSON object with a
 * {@code "type"} field naming it ({@code "subscribe"}, {@code "records"}, ...) and the record's
 * components as fields. Byte fields are base64, except record keys and values
 * ({@link io.sluice.protocol.frame.DeliveredRecord}).
 */
public final class FrameJson {
    private FrameJson() {
    }

    public static String toJson(Frame frame) {
        try {
            return Json.MAPPER.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + frame.type() + " as JSON", e);
        }
    }

    /** Parses one JSON message; anything wrong is a {@link ErrorCode#BAD_JSON} protocol error. */
    public static Frame fromJson(String json, ProtocolLimits limits) {
        if (json.length() > limits.maxFrameBytes()) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "message of " + json.length()
                    + " characters exceeds the limit of " + limits.maxFrameBytes());
        }
        return fromJson(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Frame fromJson(byte[] json) {
        try {
            Frame f = Json.MAPPER.readValue(json, Frame.class);
            if (f == null) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "message is null");
            }
            return f;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProtocolException pe) {
                throw pe;
            }
            String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new ProtocolException(ErrorCode.BAD_JSON, "not a valid message: " + firstLine(String.valueOf(m)));
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
