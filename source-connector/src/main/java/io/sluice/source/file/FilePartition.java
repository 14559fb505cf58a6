package io.sluice.source.file;

import java.util.Map;

/**
 * The Connect source partition of one transfer: {@code {"device": id, "file": fileId}}. Each
 * transfer has its own, so its stored offset is exactly its progress.
 */
public record FilePartition(String device, String fileId) {
    public static final String DEVICE_KEY = "device";
    public static final String FILE_KEY = "file";

    public Map<String, Object> toMap() {
        return Map.of(DEVICE_KEY, device, FILE_KEY, fileId);
    }
}
