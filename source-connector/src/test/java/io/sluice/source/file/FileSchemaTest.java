package io.sluice.source.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.file.FileRecord;
import io.sluice.protocol.file.FileRecordJson;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/** The files-topic value through Connect's JsonConverter is what the protocol's one definition reads. */
class FileSchemaTest {

    private static JsonConverter converter(boolean schemas) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", Boolean.toString(schemas)), false);
        return c;
    }

    @Test
    void chunksAndMarkersThroughJsonConverterParseBackWithOrWithoutSchemas() {
        byte[] sha = new byte[32];
        byte[] data = new byte[3000];
        new Random(1).nextBytes(sha);
        new Random(2).nextBytes(data);
        FileRecord chunk = new FileRecord.Chunk("dev-1", "f-1", "logs/x.txt", 10_000, sha, 3000, 6000, 0x80000001, data);
        FileRecord marker = new FileRecord.Marker("dev-1", "f-1", "logs/x.txt", 10_000, sha, 3000, 4, true);
        for (boolean schemas : new boolean[] {false, true}) {
            JsonConverter c = converter(schemas);
            for (FileRecord r : new FileRecord[] {chunk, marker}) {
                byte[] json = c.fromConnectData("files", FileSchema.VALUE_SCHEMA, FileSchema.value(r));
                assertThat(FileRecordJson.parse(json)).isEqualTo(r);
                if (!schemas && r instanceof FileRecord.Chunk) {
                    assertThat((long) json.length).isLessThanOrEqualTo(FileRecord.maxRecordBytes(3000));
                }
            }
        }
    }
}
