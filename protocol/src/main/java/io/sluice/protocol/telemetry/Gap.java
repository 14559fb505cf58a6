package io.sluice.protocol.telemetry;

/**
 * Readings of one device and metric that the source dropped (by overflow policy), reported
 * instead of vanishing.
 *
 * @param firstSeq    lowest seq dropped
 * @param lastSeq     highest seq dropped
 * @param count       how many readings were dropped (seqs need not be contiguous)
 * @param reason      why: {@code drop_oldest}, {@code drop_newest}, ...
 * @param timestampMs event time of the earliest dropped reading
 */
public record Gap(String device, String metric, long firstSeq, long lastSeq, long count, String reason, long timestampMs)
        implements TelemetryRecord {
}
