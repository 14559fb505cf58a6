package io.sluice.quickstart.view;

import java.util.Map;

/**
 * One look at the whole stack: device counters, topic sizes, the source buffer, the Streams
 * app's windows and pauses, the sink's peers, and what the peer received. Missing values
 * (a process not up yet, JMX not reachable) are -1.
 */
public record Snapshot(
        double elapsedSeconds,
        int devices, int devicesConnected, long generated, long acked, long inFlight, long rejected, long resent,
        double deviceRate,
        Map<String, Long> topicRecords,
        long bufferRecords, double bufferFill, long connectionsPaused, long readingsDuplicate,
        Map<String, Long> sourceDrops,
        long windowsFinal, long windowsUpdates, int streamsPausedPartitions, boolean streamsPaused, long downstreamLag,
        long lateReadings, long deadLetters,
        long peersConnected, long sinkDelivered, long sinkPausedPartitions, Map<String, Long> sinkDrops,
        PeerOutput.Counts peer) {
}
