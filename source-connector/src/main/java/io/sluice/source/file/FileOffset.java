package io.sluice.source.file;

import io.sluice.protocol.file.ResumableSha256;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The Connect source offset of a transfer: how many chunks (in order) are in Kafka, the SHA-256
 * state after them, whether it is finished, and what the file is. A task that has never seen the
 * transfer resumes it from here: the device sends only the rest and the whole file is still
 * verified.
 *
 * @param chunks    chunks from the first that are in Kafka once this offset is committed
 * @param shaState  {@link ResumableSha256#state()} after those chunks
 * @param status    open, complete or failed
 * @param name      the file name
 * @param size      the file size
 * @param sha256    the SHA-256 the device announced
 * @param chunkSize the chunk size
 */
public record FileOffset(int chunks, byte[] shaState, String status, String name, long size, byte[] sha256, int chunkSize) {
    public static final String OPEN = "open";
    public static final String COMPLETE = "complete";
    public static final String FAILED = "failed";

    public Map<String, Object> toMap() {
        Map<String, Object> m = new HashMap<>();
        m.put("chunks", chunks);
        m.put("sha_state", Base64.getEncoder().encodeToString(shaState));
        m.put("status", status);
        m.put("name", name);
        m.put("size", size);
        m.put("sha256", HexFormat.of().formatHex(sha256));
        m.put("chunk_size", chunkSize);
        return m;
    }

    /** The offset a stored map stands for, or null if there is none or it is not one of ours. */
    public static FileOffset fromMap(Map<String, ?> m) {
        if (m == null || !(m.get("chunks") instanceof Number chunks) || !(m.get("size") instanceof Number size)
                || !(m.get("chunk_size") instanceof Number chunkSize) || !(m.get("sha_state") instanceof String state)
                || !(m.get("sha256") instanceof String sha) || !(m.get("status") instanceof String status)) {
            return null;
        }
        try {
            return new FileOffset(chunks.intValue(), Base64.getDecoder().decode(state), status,
                    m.get("name") instanceof String n ? n : "", size.longValue(), HexFormat.of().parseHex(sha), chunkSize.intValue());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
