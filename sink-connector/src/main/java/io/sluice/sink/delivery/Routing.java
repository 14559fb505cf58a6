package io.sluice.sink.delivery;

import io.sluice.protocol.file.FileRecordJson;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.sink.peer.PeerQueue;
import io.sluice.sink.peer.Routed;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/** Builds the routable form of a record, the same for live ({@code put}) and replayed records. */
public final class Routing {
    private Routing() {
    }

    /**
     * @param subjects whether to read device and metric for filters (the value's top-level
     *                 {@code device}/{@code metric}; the key stands in for a missing device)
     */
    public static Routed routed(TopicPartition tp, long offset, long timestamp, byte[] key, byte[] value, boolean subjects) {
        return routed(tp, offset, timestamp, key, value, subjects, Set.of());
    }

    /**
     * @param fileTopics topics that hold files: their completion markers are hidden from peers
     *                   (chunks go as FILE_DELIVERY frames, see {@link io.sluice.sink.peer.PeerHub#pollFrames})
     */
    public static Routed routed(TopicPartition tp, long offset, long timestamp, byte[] key, byte[] value, boolean subjects,
            Set<String> fileTopics) {
        DeliveredRecord r = new DeliveredRecord(tp.topic(), tp.partition(), offset, timestamp, key, value);
        String device = null;
        String metric = null;
        if (subjects) {
            TelemetryJson.Subject s = TelemetryJson.subject(r.value());
            device = s.device();
            metric = s.metric();
            if (device == null && r.key().length > 0) {
                device = new String(r.key(), StandardCharsets.UTF_8);
            }
        }
        boolean hidden = !fileTopics.isEmpty() && fileTopics.contains(tp.topic()) && FileRecordJson.isMarker(value);
        return new Routed(tp, r, device, metric, PeerQueue.sizeOf(r), hidden);
    }
}
