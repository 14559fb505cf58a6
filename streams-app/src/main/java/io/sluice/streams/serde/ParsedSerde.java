package io.sluice.streams.serde;

import io.sluice.protocol.json.TelemetryJson;
import io.sluice.streams.topology.Parsed;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Parsed records through the repartition topic (grouping by metric or tag): the original JSON
 * bytes go over the wire and are parsed again on the other side (they parsed once already).
 */
public final class ParsedSerde implements Serde<Parsed> {
    @Override
    public Serializer<Parsed> serializer() {
        return (topic, p) -> p == null ? null : p.raw();
    }

    @Override
    public Deserializer<Parsed> deserializer() {
        return (topic, bytes) -> bytes == null ? null : new Parsed(TelemetryJson.parseRecord(bytes), bytes);
    }
}
