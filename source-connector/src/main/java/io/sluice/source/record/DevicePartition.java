package io.sluice.source.record;

import java.util.Map;

/**
 * The Connect source partition of a device: {@code {"device": id}} for the framed port, whose
 * offsets are resume points; line-mode records use {@code {"device": id, "mode": "line"}} so
 * they never move a framed device's resume point.
 */
public record DevicePartition(String device, boolean line) {
    public static final String DEVICE_KEY = "device";
    public static final String MODE_KEY = "mode";

    public Map<String, Object> toMap() {
        return line ? Map.of(DEVICE_KEY, device, MODE_KEY, "line") : Map.of(DEVICE_KEY, device);
    }

    /** The partition a map stands for, or null if it is not one of ours. */
    public static DevicePartition fromMap(Map<String, ?> m) {
        if (m == null || !(m.get(DEVICE_KEY) instanceof String d)) {
            return null;
        }
        return new DevicePartition(d, "line".equals(m.get(MODE_KEY)));
    }
}
