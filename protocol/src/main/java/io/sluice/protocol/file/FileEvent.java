package io.sluice.protocol.file;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.json.Json;
import java.io.IOException;
import java.util.HexFormat;

/**
 * The event the sink connector writes to its {@code files.events.topic} for each file it sees
 * finished, so other systems can react:
 *
 * <pre>
 * {"event":"file_complete","device":"cam-1","file_id":"f-42","name":"img.jpg","size":1048577,
 *  "sha256":"9f86…","chunks":3,"topic":"files","partition":0,"offset":1234,"path":"/data/in/img.jpg","ts":1700000000000}
 * </pre>
 *
 * @param event     {@code file_complete} (every chunk is in Kafka before {@code offset} and the
 *                  source checked the SHA-256) or {@code file_failed} (the SHA-256 did not match)
 * @param device    the device
 * @param fileId    the device's id of the transfer
 * @param name      the name the device gave
 * @param size      bytes
 * @param sha256    SHA-256, hex
 * @param chunks    records of the file's chunks
 * @param topic     the files topic
 * @param partition its partition holding the file
 * @param offset    the offset of the completion marker (every chunk is before it)
 * @param path      where the sink wrote the file on its worker ({@code files.destination.folder}), or null
 * @param ts        when the sink saw the marker, epoch ms
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record FileEvent(String event, String device, @JsonProperty("file_id") String fileId, String name, long size, String sha256,
        int chunks, String topic, int partition, long offset, String path, long ts) {
    public static final String COMPLETE = "file_complete";
    public static final String FAILED = "file_failed";

    public static FileEvent of(FileRecord.Marker m, String topic, int partition, long offset, String path, long ts) {
        return new FileEvent(m.complete() ? COMPLETE : FAILED, m.device(), m.fileId(), m.name(), m.size(),
                HexFormat.of().formatHex(m.sha256()), m.chunks(), topic, partition, offset, path, ts);
    }

    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FileEvent parse(byte[] json) {
        try {
            return Json.MAPPER.readValue(json, FileEvent.class);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "not a file event: " + e.getMessage().split("\n")[0]);
        }
    }
}
