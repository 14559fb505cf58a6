package io.sluice.protocol.telemetry;

import io.sluice.protocol.frame.Reading;

/** A reading together with the device it came from. */
public record DeviceReading(String device, Reading reading) implements TelemetryRecord {
    @Override
    public long timestampMs() {
        return reading.timestampMs();
    }

    public DeviceReading withTimestamp(long timestampMs) {
        Reading r = reading;
        return new DeviceReading(device, new Reading(r.seq(), timestampMs, r.metric(), r.value(), r.tags()));
    }
}
