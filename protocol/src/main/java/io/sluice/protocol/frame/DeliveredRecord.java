package io.sluice.protocol.frame;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.sluice.protocol.json.JsonBytes;
import java.util.Arrays;

/**
 * One Kafka record as a peer receives it. (topic, partition, offset) identify it, so a peer
 * can drop the duplicates that at-least-once delivery may bring.
 *
 * @param key   the record key (UTF-8 text for Sluice topics), possibly empty
 * @param value the record value (JSON for Sluice topics); in the JSON form it is embedded as
 *              JSON when it is valid JSON, and as a string otherwise
 */
public record DeliveredRecord(String topic, int partition, long offset, long timestamp,
        @JsonSerialize(using = JsonBytes.TextSerializer.class)
        @JsonDeserialize(using = JsonBytes.TextDeserializer.class) byte[] key,
        @JsonSerialize(using = JsonBytes.EmbeddedJsonSerializer.class)
        @JsonDeserialize(using = JsonBytes.EmbeddedJsonDeserializer.class) byte[] value) {

    public DeliveredRecord {
        key = key == null ? new byte[0] : key;
        value = value == null ? new byte[0] : value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeliveredRecord r && topic.equals(r.topic) && partition == r.partition && offset == r.offset
                && timestamp == r.timestamp && Arrays.equals(key, r.key) && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return (topic.hashCode() * 31 + partition) * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return "DeliveredRecord[" + topic + "-" + partition + "@" + offset + ", key=" + key.length + "B, value="
                + value.length + "B]";
    }
}
