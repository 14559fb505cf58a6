package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.frame.Reading;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolLimitsTest {
    private final ProtocolLimits limits = ProtocolLimits.DEFAULTS;

    private static ProtocolException error(Runnable r) {
        try {
            r.run();
        } catch (ProtocolException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void deviceIds() {
        assertThatCode(() -> ProtocolLimits.checkDeviceId("pump-7.site_a:1@x")).doesNotThrowAnyException();
        assertThat(error(() -> ProtocolLimits.checkDeviceId("")).getMessage()).isEqualTo("device id is empty");
        assertThat(error(() -> ProtocolLimits.checkDeviceId("a/b")).getMessage())
                .isEqualTo("device id 'a/b' has a character not allowed at position 1 (allowed: A-Z a-z 0-9 . _ - : @)");
        assertThat(error(() -> ProtocolLimits.checkDeviceId("x".repeat(1 << 20))).getMessage())
                .isEqualTo("device id is 1048576 characters long, the limit is 128");
        assertThat(error(() -> ProtocolLimits.checkDeviceId("a\u0000b")).code()).isEqualTo(ErrorCode.BAD_DEVICE_ID);
    }

    @Test
    void fileIdsAndNames() {
        assertThatCode(() -> ProtocolLimits.checkFileId("f-1b2c:x@y.z")).doesNotThrowAnyException();
        assertThat(error(() -> ProtocolLimits.checkFileId("a'b")).code()).isEqualTo(ErrorCode.BAD_FILE_NAME);
        assertThat(error(() -> ProtocolLimits.checkFileId("x".repeat(129))).getMessage())
                .isEqualTo("file id is 129 characters long, the limit is 128");
        assertThatCode(() -> ProtocolLimits.checkFileName("logs/2024/app.log")).doesNotThrowAnyException();
        assertThatCode(() -> ProtocolLimits.checkFileName("r\u00e9sum\u00e9..pdf")).doesNotThrowAnyException();
        assertThat(error(() -> ProtocolLimits.checkFileName("../../etc/passwd")).getMessage())
                .isEqualTo("file name '../../etc/passwd' has a '..' segment; names may not leave the receiver's folder");
        assertThat(error(() -> ProtocolLimits.checkFileName("a\\..\\b")).code()).isEqualTo(ErrorCode.BAD_FILE_NAME);
        assertThat(error(() -> ProtocolLimits.checkFileName("/etc/passwd")).getMessage()).contains("is an absolute path");
        assertThat(error(() -> ProtocolLimits.checkFileName("C:\\x.txt")).getMessage()).contains("is an absolute path");
        assertThat(error(() -> ProtocolLimits.checkFileName("a\u0000b")).getMessage())
                .isEqualTo("file name 'a?b' has a control character (NUL) at position 1");
        assertThat(error(() -> ProtocolLimits.checkFileName("x".repeat(10_240))).getMessage())
                .isEqualTo("file name is 10240 bytes of UTF-8, the limit is 1024");
        assertThat(error(() -> ProtocolLimits.checkFileName("")).code()).isEqualTo(ErrorCode.BAD_FILE_NAME);
    }

    @Test
    void metrics() {
        assertThatCode(() -> ProtocolLimits.checkMetric("cpu.load/1m", 1)).doesNotThrowAnyException();
        ProtocolException e = error(() -> ProtocolLimits.checkMetric("1abc", 7));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_METRIC);
        assertThat(e.seq()).isEqualTo(7);
        assertThat(e.getMessage()).isEqualTo("metric name '1abc' must start with a letter or '_'");
        assertThat(error(() -> ProtocolLimits.checkMetric("a b", 1)).getMessage()).contains("position 1");
    }

    @Test
    void valuesAndTimestamps() {
        assertThat(error(() -> limits.checkReading(new Reading(3, 1, "m", Double.NaN))).getMessage())
                .isEqualTo("value of 'm' is NaN; NaN and infinite values are rejected");
        assertThat(error(() -> limits.checkReading(new Reading(3, 1, "m", Double.NEGATIVE_INFINITY))).code())
                .isEqualTo(ErrorCode.BAD_VALUE);
        assertThatCode(() -> limits.withNonFinite(NonFinitePolicy.ACCEPT).checkReading(new Reading(3, 1, "m", Double.NaN)))
                .doesNotThrowAnyException();
        assertThat(error(() -> limits.checkReading(new Reading(3, -5, "m", 1))).getMessage())
                .isEqualTo("timestamp -5 is outside [0, 253402300799999] (epoch milliseconds)");
    }

    @Test
    void tags() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            many.put("k" + i, "v");
        }
        assertThat(error(() -> limits.checkReading(new Reading(1, 1, "m", 1, many))).getMessage()).isEqualTo("33 tags, the limit is 32");
        assertThat(error(() -> limits.checkReading(new Reading(1, 1, "m", 1, Map.of("k", "a\nb")))).getMessage())
                .isEqualTo("tag 'k' value has a control character at position 1");
        assertThat(error(() -> limits.checkReading(new Reading(1, 1, "m", 1, Map.of("k y", "v")))).code())
                .isEqualTo(ErrorCode.BAD_TAGS);
    }

    @Test
    void limitsThemselvesAreValidated() {
        assertThatThrownBy(() -> limits.withMaxFrameBytes(10)).hasMessageContaining("maxFrameBytes must be between");
        assertThatThrownBy(() -> limits.withMaxBatchReadings(0)).hasMessageContaining("maxBatchReadings");
    }
}
