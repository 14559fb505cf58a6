package io.sluice.streams;

/**
 * JMX view of the streams app ({@code io.sluice.streams:type=StreamsApp,id=<application.id>}).
 * Kafka has no metric for paused partitions; these are ours.
 */
public interface StreamsAppMetricsMXBean {
    /** Whether the backpressure controller has paused all input. */
    boolean isPaused();

    /** Input partitions currently paused by this app (controller or alignment), not counting Kafka Streams' own buffer pauses. */
    int getPausedPartitions();

    /** Partitions currently paused by the event-time alignment rule. */
    int getAlignmentPausedPartitions();

    /** Times the controller paused input. */
    long getPauseCount();

    /** Times a partition was paused by the alignment rule. */
    long getAlignmentPauseCount();

    /** Total time input was paused by the controller, ms (including the current pause). */
    long getPausedTimeMs();

    /** Lag of the downstream group on the output topic at the last check (-1: unknown or not watched). */
    long getDownstreamLag();

    /** Fullness of the fullest producer buffer at the last check, 0..1. */
    double getProducerBufferRatio();

    /** Stream time of the fastest minus the slowest partition with data to read, ms. */
    long getStreamTimeSkewMs();

    long getReadings();

    long getGapRecords();

    long getLateReadings();

    long getLateGapRecords();

    long getDeadLetterRecords();

    long getSkippedRecords();

    long getFinalAggregates();

    long getUpdateAggregates();

    long getIdleClosedWindows();

    /** Final windows closed because their device passed them (window.close=per_device). */
    long getDeviceClosedWindows();

    /**
     * Final windows closed by stream time: every window with window.close=stream_time; with
     * per_device, those of metric and tag grouping and those closed at the max-behind bound.
     */
    long getStreamTimeClosedWindows();
}
