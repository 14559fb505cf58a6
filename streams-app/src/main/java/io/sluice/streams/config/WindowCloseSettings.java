package io.sluice.streams.config;

import io.sluice.streams.window.ClosingRule;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/** The keys of when a window is final ({@link ClosingRule}): per device or by stream time. */
final class WindowCloseSettings {
    static final String GROUP = "Window closing";
    public static final String WINDOW_CLOSE_CONFIG = "window.close";
    private static final String WINDOW_CLOSE_DOC = "per_device: a device's window is final once a reading of that "
            + "same device beyond the window's end plus window.device.grace.ms is processed, so a device that is "
            + "behind (held back by backpressure, reconnecting, slow to start) is never late because another device "
            + "was faster. stream_time: a window closes when the partition's stream time (the largest event time of "
            + "any device) passes its end plus window.grace.ms. metric and tag grouping close by stream time either way.";
    public static final String DEVICE_GRACE_CONFIG = "window.device.grace.ms";
    private static final String DEVICE_GRACE_DOC = "With window.close=per_device: how far (in event time) one "
            + "device's own readings may be out of order and still count; a device's window closes when the "
            + "device's event time reaches its end plus this.";
    public static final String DEVICE_MAX_BEHIND_CONFIG = "window.device.max.behind.ms";
    private static final String DEVICE_MAX_BEHIND_DOC = "With window.close=per_device: the bound on how far a "
            + "device's open windows may fall behind the partition's stream time. A window still open when stream "
            + "time reaches its end plus this is closed by stream time (closed_by=stream_time, counted in "
            + "StreamTimeClosedWindows); it finishes the last window of a device that stopped sending while others "
            + "go on. At least window.device.grace.ms.";

    private WindowCloseSettings() {
    }

    static void addGroup(ConfigDef def) {
        int o = 0;
        def.define(WINDOW_CLOSE_CONFIG, Type.STRING, "per_device", ConfigDef.CaseInsensitiveValidString.in(
                "per_device", "stream_time"), Importance.HIGH, WINDOW_CLOSE_DOC, GROUP, ++o, Width.SHORT,
                "Window close");
        def.define(DEVICE_GRACE_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                DEVICE_GRACE_DOC, GROUP, ++o, Width.SHORT, "Device grace");
        def.define(DEVICE_MAX_BEHIND_CONFIG, Type.LONG, 300_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                DEVICE_MAX_BEHIND_DOC, GROUP, ++o, Width.SHORT, "Device max behind");
    }

    /** Per device for groupings that keep devices apart, else by stream time. */
    static ClosingRule rule(AbstractConfig c, Grouping grouping) {
        boolean perDevice = c.getString(WINDOW_CLOSE_CONFIG).equalsIgnoreCase("per_device") && !grouping.repartitions();
        return perDevice ? ClosingRule.perDevice(c.getLong(DEVICE_GRACE_CONFIG), c.getLong(DEVICE_MAX_BEHIND_CONFIG))
                : ClosingRule.STREAM_TIME;
    }

    static void crossFieldErrors(AbstractConfig c, List<String> errors) {
        if (c.getLong(DEVICE_MAX_BEHIND_CONFIG) < c.getLong(DEVICE_GRACE_CONFIG)) {
            errors.add(DEVICE_MAX_BEHIND_CONFIG + " (" + c.getLong(DEVICE_MAX_BEHIND_CONFIG) + ") must not be below "
                    + DEVICE_GRACE_CONFIG + " (" + c.getLong(DEVICE_GRACE_CONFIG) + ")");
        }
    }
}
