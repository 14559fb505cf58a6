package io.sluice.protocol;

import io.sluice.protocol.frame.Reading;
import java.util.Map;

/**
 * Every limit and validation rule of the protocol, in one place. Codecs enforce the structural
 * limits (sizes, counts, UTF-8) while decoding; {@link #checkReading} and {@link #checkDeviceId}
 * enforce the content rules. All checks throw {@link ProtocolException} with a precise message.
 *
 * @param maxFrameBytes     largest frame (type byte + payload) accepted or sent
 * @param maxLineBytes      largest line in line mode, without the newline
 * @param maxBatchReadings  most readings in one batch frame
 * @param maxTags           most tags on one reading
 * @param nonFinite         NaN and infinity policy
 * @param minTimestampMs    earliest event time accepted (epoch ms)
 * @param maxTimestampMs    latest event time accepted (epoch ms); the source applies its own
 *                          clock-skew policy on top of this absolute bound
 */
public record ProtocolLimits(
        int maxFrameBytes,
        int maxLineBytes,
        int maxBatchReadings,
        int maxTags,
        NonFinitePolicy nonFinite,
        long minTimestampMs,
        long maxTimestampMs) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    public static final int HARD_MAX_FRAME_BYTES = 64 << 20;
    public static final int MIN_FRAME_BYTES = 1024;
    public static final int DEFAULT_MAX_LINE_BYTES = 64 << 10;
    public static final int DEFAULT_MAX_BATCH_READINGS = 10_000;
    public static final int DEFAULT_MAX_TAGS = 32;
    public static final int MAX_DEVICE_ID_LENGTH = 128;
    public static final int MAX_METRIC_LENGTH = 128;
    public static final int MAX_TAG_KEY_LENGTH = 64;
    public static final int MAX_TAG_VALUE_LENGTH = 256;
    /** Tokens, messages and other free strings. */
    public static final int MAX_TEXT_BYTES = 4096;
    public static final int MAX_FILE_NAME_BYTES = 1024;
    public static final int MAX_FILE_ID_LENGTH = 128;
    /** 9999-12-31T23:59:59.999Z. */
    public static final long LATEST_TIMESTAMP_MS = 253_402_300_799_999L;

    public static final ProtocolLimits DEFAULTS = new ProtocolLimits(
            DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_BATCH_READINGS,
            DEFAULT_MAX_TAGS, NonFinitePolicy.REJECT, 0L, LATEST_TIMESTAMP_MS);

    public ProtocolLimits {
        if (maxFrameBytes < MIN_FRAME_BYTES || maxFrameBytes > HARD_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be between " + MIN_FRAME_BYTES + " and "
                    + HARD_MAX_FRAME_BYTES + ", was " + maxFrameBytes);
        }
        if (maxLineBytes < 64 || maxLineBytes > maxFrameBytes) {
            throw new IllegalArgumentException("maxLineBytes must be between 64 and maxFrameBytes ("
                    + maxFrameBytes + "), was " + maxLineBytes);
        }
        if (maxBatchReadings < 1 || maxBatchReadings > 65_535) {
            throw new IllegalArgumentException("maxBatchReadings must be between 1 and 65535, was " + maxBatchReadings);
        }
        if (maxTags < 0 || maxTags > 255) {
            throw new IllegalArgumentException("maxTags must be between 0 and 255, was " + maxTags);
        }
        if (nonFinite == null) {
            throw new IllegalArgumentException("nonFinite must not be null");
        }
        if (minTimestampMs > maxTimestampMs) {
            throw new IllegalArgumentException("minTimestampMs (" + minTimestampMs + ") must not be after maxTimestampMs ("
                    + maxTimestampMs + ")");
        }
    }

    public ProtocolLimits withMaxFrameBytes(int v) {
        return new ProtocolLimits(v, Math.min(maxLineBytes, v), maxBatchReadings, maxTags, nonFinite, minTimestampMs, maxTimestampMs);
    }

    public ProtocolLimits withMaxLineBytes(int v) {
        return new ProtocolLimits(maxFrameBytes, v, maxBatchReadings, maxTags, nonFinite, minTimestampMs, maxTimestampMs);
    }

    public ProtocolLimits withMaxBatchReadings(int v) {
        return new ProtocolLimits(maxFrameBytes, maxLineBytes, v, maxTags, nonFinite, minTimestampMs, maxTimestampMs);
    }

    public ProtocolLimits withNonFinite(NonFinitePolicy v) {
        return new ProtocolLimits(maxFrameBytes, maxLineBytes, maxBatchReadings, maxTags, v, minTimestampMs, maxTimestampMs);
    }

    /** Throws {@link ErrorCode#BAD_DEVICE_ID} unless {@code id} is 1–128 of {@code A-Z a-z 0-9 . _ - : @}. */
    public static void checkDeviceId(String id) {
        if (id == null || id.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_DEVICE_ID, "device id is empty");
        }
        if (id.length() > MAX_DEVICE_ID_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_DEVICE_ID,
                    "device id is " + id.length() + " characters long, the limit is " + MAX_DEVICE_ID_LENGTH);
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isIdChar(c) && c != '@') {
                throw new ProtocolException(ErrorCode.BAD_DEVICE_ID, "device id '" + printable(id)
                        + "' has a character not allowed at position " + i + " (allowed: A-Z a-z 0-9 . _ - : @)");
            }
        }
    }

    /**
     * Throws {@link ErrorCode#BAD_FILE_NAME} unless {@code fileId} is 1–128 of
     * {@code A-Z a-z 0-9 . _ - : @} (it is a record key and is quoted in error messages).
     */
    public static void checkFileId(String fileId) {
        if (fileId == null || fileId.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file id is empty");
        }
        if (fileId.length() > MAX_FILE_ID_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file id is " + fileId.length()
                    + " characters long, the limit is " + MAX_FILE_ID_LENGTH);
        }
        for (int i = 0; i < fileId.length(); i++) {
            char c = fileId.charAt(i);
            if (!isIdChar(c) && c != '@') {
                throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file id '" + printable(fileId)
                        + "' has a character not allowed at position " + i + " (allowed: A-Z a-z 0-9 . _ - : @)");
            }
        }
    }

    /**
     * Throws {@link ErrorCode#BAD_FILE_NAME} unless {@code name} is a relative name a receiver
     * can use: 1–1024 bytes of UTF-8, no control characters (NUL included), no {@code ..}
     * segment, not absolute ({@code /x}, {@code \x}, {@code C:x}). Directories ({@code a/b.log})
     * are allowed here; receivers decide whether they keep them.
     */
    public static void checkFileName(String name) {
        if (name == null || name.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file name is empty");
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_FILE_NAME_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file name is " + bytes + " bytes of UTF-8, the limit is "
                    + MAX_FILE_NAME_BYTES);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file name '" + printable(name)
                        + "' has a control character (" + (c == 0 ? "NUL" : "0x" + Integer.toHexString(c)) + ") at position " + i);
            }
        }
        if (name.startsWith("/") || name.startsWith("\\") || (name.length() >= 2 && name.charAt(1) == ':'
                && Character.isLetter(name.charAt(0)))) {
            throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file name '" + printable(name)
                    + "' is an absolute path; send a name relative to the receiver's folder");
        }
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new ProtocolException(ErrorCode.BAD_FILE_NAME, "file name '" + printable(name)
                        + "' has a '..' segment; names may not leave the receiver's folder");
            }
        }
    }

    /** Throws {@link ErrorCode#BAD_METRIC} unless {@code metric} is a valid metric name. */
    public static void checkMetric(String metric, long seq) {
        if (metric == null || metric.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_METRIC, "metric name is empty", seq);
        }
        if (metric.length() > MAX_METRIC_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_METRIC, "metric name is " + metric.length()
                    + " characters long, the limit is " + MAX_METRIC_LENGTH, seq);
        }
        char first = metric.charAt(0);
        if (!(Character.isLetter(first) && first < 128) && first != '_') {
            throw new ProtocolException(ErrorCode.BAD_METRIC, "metric name '" + printable(metric)
                    + "' must start with a letter or '_'", seq);
        }
        for (int i = 1; i < metric.length(); i++) {
            char c = metric.charAt(i);
            if (!isIdChar(c) && c != '/') {
                throw new ProtocolException(ErrorCode.BAD_METRIC, "metric name '" + printable(metric)
                        + "' has a character not allowed at position " + i + " (allowed: A-Z a-z 0-9 . _ - : /)", seq);
            }
        }
    }

    /** Checks metric, value, timestamp and tags of one reading against these limits. */
    public void checkReading(Reading r) {
        checkMetric(r.metric(), r.seq());
        double v = r.value();
        if (nonFinite == NonFinitePolicy.REJECT && !Double.isFinite(v)) {
            throw new ProtocolException(ErrorCode.BAD_VALUE, "value of '" + r.metric() + "' is " + v
                    + "; NaN and infinite values are rejected", r.seq());
        }
        long ts = r.timestampMs();
        if (ts < minTimestampMs || ts > maxTimestampMs) {
            throw new ProtocolException(ErrorCode.BAD_TIMESTAMP, "timestamp " + ts + " is outside ["
                    + minTimestampMs + ", " + maxTimestampMs + "] (epoch milliseconds)", r.seq());
        }
        checkTags(r.tags(), r.seq());
    }

    public void checkTags(Map<String, String> tags, long seq) {
        if (tags.size() > maxTags) {
            throw new ProtocolException(ErrorCode.BAD_TAGS, tags.size() + " tags, the limit is " + maxTags, seq);
        }
        for (Map.Entry<String, String> e : tags.entrySet()) {
            String k = e.getKey();
            if (k.isEmpty() || k.length() > MAX_TAG_KEY_LENGTH) {
                throw new ProtocolException(ErrorCode.BAD_TAGS, "tag key must be 1-" + MAX_TAG_KEY_LENGTH
                        + " characters, was " + k.length(), seq);
            }
            for (int i = 0; i < k.length(); i++) {
                if (!isIdChar(k.charAt(i))) {
                    throw new ProtocolException(ErrorCode.BAD_TAGS, "tag key '" + printable(k)
                            + "' has a character not allowed at position " + i + " (allowed: A-Z a-z 0-9 . _ - :)", seq);
                }
            }
            String v = e.getValue();
            if (v == null || v.length() > MAX_TAG_VALUE_LENGTH) {
                throw new ProtocolException(ErrorCode.BAD_TAGS, "tag '" + k + "' value must be 0-"
                        + MAX_TAG_VALUE_LENGTH + " characters", seq);
            }
            for (int i = 0; i < v.length(); i++) {
                if (Character.isISOControl(v.charAt(i))) {
                    throw new ProtocolException(ErrorCode.BAD_TAGS, "tag '" + k + "' value has a control character at position " + i, seq);
                }
            }
        }
    }

    private static boolean isIdChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-' || c == ':';
    }

    /** A short, printable form of untrusted text for error messages. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64) + 3);
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 64) {
            b.append("...");
        }
        return b.toString();
    }
}
