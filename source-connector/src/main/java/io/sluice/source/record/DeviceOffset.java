package io.sluice.source.record;

import java.util.Map;

/** The Connect source offset of a device: every seq up to {@code seq} is in Kafka or was dealt with. */
public record DeviceOffset(long seq) {
    public static final String SEQ_KEY = "seq";

    public Map<String, Object> toMap() {
        return Map.of(SEQ_KEY, seq);
    }

    /** The offset a stored map stands for, or null when there is none or it is not ours. */
    public static DeviceOffset fromMap(Map<String, ?> m) {
        if (m == null || !(m.get(SEQ_KEY) instanceof Number n)) {
            return null;
        }
        return new DeviceOffset(n.longValue());
    }
}
