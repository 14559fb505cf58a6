package io.sluice.quickstart.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.quickstart.view.PeerOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The final account of a quickstart run: what the devices sent and had acknowledged, what is
 * in the readings topic, what the final windows counted, and what the peer received — each
 * step compared with the one before, and every difference given with its reason.
 *
 * @param generated     readings the devices generated
 * @param acked         readings the source acknowledged (in Kafka)
 * @param rejected      readings the source refused for their content
 * @param unacked       readings still unacknowledged when the devices stopped
 * @param inTopic       distinct (device, seq) of this run in the readings topic
 * @param duplicates    extra copies of a (device, seq) in the readings topic
 * @param lost          acknowledged readings missing from the readings topic (must be 0)
 * @param gapReadings   readings the source reported dropped (gap records)
 * @param windows       final windows of this run's devices in the aggregates topic
 * @param counted       sum of their counts
 * @param late          readings of this run dropped as late by the Streams app
 * @param deadLetters   records the Streams app sent to its dead-letter topic (all runs)
 * @param delivered     sum of the counts of final windows the peer received (distinct ids)
 * @param deliveredWindows final windows the peer received
 * @param peerDuplicates records the peer received twice (same topic, partition, offset)
 */
public record Accounting(long generated, long acked, long rejected, long unacked, long inTopic, long duplicates, long lost,
        long gapReadings, long windows, long counted, long late, long deadLetters, long delivered, long deliveredWindows,
        long peerDuplicates) {

    /** Everything sent was acknowledged, is in Kafka once, was counted once and delivered. */
    public boolean complete() {
        return generated == acked && lost == 0 && inTopic == acked - rejected && counted == inTopic && delivered == counted;
    }

    /**
     * Builds the account from the simulator's summary, the two topics and the peer's output.
     *
     * @param devicePrefix only devices of this run count
     */
    public static Accounting of(JsonNode deviceSummary, String bootstrapServers, String readingsTopic, String aggregatesTopic,
            String devicePrefix, PeerOutput.Counts peer, long late, long deadLetters) {
        long generated = deviceSummary.path("generated").asLong();
        long acked = deviceSummary.path("acked").asLong();
        long rejected = deviceSummary.path("rejected").asLong();
        long unacked = deviceSummary.path("unacknowledged").asLong();

        Map<String, Set<Long>> seqs = new HashMap<>();
        long[] dup = {0};
        long[] gaps = {0};
        TopicReader.readAll(bootstrapServers, readingsTopic, true, r -> {
            if (r.key() == null || !new String(r.key(), StandardCharsets.UTF_8).startsWith(devicePrefix)) {
                return;
            }
            try {
                TelemetryRecord t = TelemetryJson.parseRecord(r.value());
                if (t instanceof DeviceReading d) {
                    if (!seqs.computeIfAbsent(d.device(), k -> new HashSet<>()).add(d.reading().seq())) {
                        dup[0]++;
                    }
                } else if (t instanceof Gap g) {
                    gaps[0] += g.count();
                }
            } catch (ProtocolException e) {
                // not a reading of ours
            }
        });
        long inTopic = seqs.values().stream().mapToLong(Set::size).sum();

        long lost = 0;
        JsonNode per = deviceSummary.path("per_device");
        for (var it = per.fields(); it.hasNext();) {
            var e = it.next();
            long first = e.getValue().path("first_seq").asLong();
            long lastAcked = e.getValue().path("last_acked_seq").asLong();
            Set<Long> have = seqs.getOrDefault(e.getKey(), Set.of());
            for (long s = Math.max(1, first); s <= lastAcked; s++) {
                if (!have.contains(s)) {
                    lost++;
                }
            }
        }

        Map<String, Aggregate> finals = new HashMap<>();
        List<Aggregate> repeated = new ArrayList<>();
        TopicReader.readAll(bootstrapServers, aggregatesTopic, true, r -> {
            try {
                Aggregate a = AggregateJson.parse(r.value());
                if (a.isFinal() && a.device().startsWith(devicePrefix)) {
                    if (finals.put(a.key(), a) != null) {
                        repeated.add(a);
                    }
                }
            } catch (ProtocolException | IllegalArgumentException e) {
                // not an aggregate
            }
        });
        long counted = finals.values().stream().mapToLong(Aggregate::count).sum();
        return new Accounting(generated, acked, rejected, unacked, inTopic, dup[0], lost, gaps[0], finals.size(), counted, late,
                deadLetters, peer.finalCountSum(), peer.finalWindows(), peer.duplicates());
    }

    /** The account as the launcher prints it. */
    public String render() {
        StringBuilder b = new StringBuilder();
        line(b, "readings generated by the devices", generated, "");
        line(b, "acknowledged by the source (in Kafka)", acked, generated == acked ? "" : differs(generated - acked,
                reason(unacked > 0, unacked + " still in flight when the devices stopped") + reason(rejected > 0,
                        rejected + " refused for their content")));
        line(b, "in the readings topic (distinct device/seq)", inTopic,
                (lost > 0 ? "LOST: " + lost + " acknowledged readings missing" : "none lost")
                        + (duplicates > 0 ? ", " + duplicates + " duplicate copies" : ", no duplicates")
                        + (gapReadings > 0 ? ", " + gapReadings + " dropped by the source policy (gap records)" : ""));
        line(b, "counted in final windows (sum of count)", counted, windows + " windows"
                + (counted == inTopic ? "" : "; " + differs(inTopic - counted, reason(late > 0, late + " late (after grace)")
                        + reason(deadLetters > 0, deadLetters + " dead-lettered") + reason(counted < inTopic,
                        "windows still open"))));
        line(b, "delivered to the peer (sum of count)", delivered, deliveredWindows + " windows"
                + (peerDuplicates > 0 ? ", " + peerDuplicates + " duplicates dropped by id" : "")
                + (delivered == counted ? "" : "; " + differs(counted - delivered, "the peer has not received every window yet")));
        b.append(complete()
                ? "  => complete: sent = acked = in Kafka = counted = delivered = " + String.format(Locale.ROOT, "%,d", acked)
                : "  => NOT complete (see the differences above)").append('\n');
        return b.toString();
    }

    private static void line(StringBuilder b, String what, long n, String note) {
        b.append(String.format(Locale.ROOT, "  %-46s %,12d   %s%n", what, n, note));
    }

    private static String differs(long n, String reasons) {
        return String.format(Locale.ROOT, "%,d fewer", n) + (reasons.isEmpty() ? "" : ": " + reasons.replaceAll("; $", ""));
    }

    private static String reason(boolean applies, String text) {
        return applies ? text + "; " : "";
    }
}
