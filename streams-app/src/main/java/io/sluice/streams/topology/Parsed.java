package io.sluice.streams.topology;

import io.sluice.protocol.telemetry.TelemetryRecord;

/** A parsed input record with its original bytes (what the late topic receives). */
public record Parsed(TelemetryRecord record, byte[] raw) {
}
