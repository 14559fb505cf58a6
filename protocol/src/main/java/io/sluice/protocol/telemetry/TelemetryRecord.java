package io.sluice.protocol.telemetry;

/**
 * A record of the readings topic: a {@link DeviceReading}, or a {@link Gap} the source writes
 * when it dropped readings, so that downstream can tell a quiet device from a lossy one.
 */
public sealed interface TelemetryRecord permits DeviceReading, Gap {
    String device();

    /** Event time, epoch ms. */
    long timestampMs();
}
