package io.sluice.faults.oracle;

import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.json.Json;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.quickstart.accounting.TopicReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Feeds an {@link Oracle} from the real sources: the three topics (read committed) and the peers' output files. */
public final class OracleInputs {
    private OracleInputs() {
    }

    public static void readTopics(Oracle oracle, String bootstrap, String readings, String late, String aggregates) {
        TopicReader.readAll(bootstrap, readings, true, r -> {
            if (parse(r.value()) instanceof DeviceReading d) {
                oracle.reading(d);
            }
        });
        TopicReader.readAll(bootstrap, late, true, r -> {
            if (parse(r.value()) instanceof DeviceReading d) {
                oracle.late(d);
            }
        });
        TopicReader.readAll(bootstrap, aggregates, true, r -> {
            try {
                oracle.aggregate(r.partition(), r.offset(), AggregateJson.parse(r.value()));
            } catch (ProtocolException | IllegalArgumentException e) {
                // not an aggregate
            }
        });
    }

    /** One peer CLI output file: a {@link DeliveredRecord} as JSON per line. */
    public static void readPeerFile(Oracle oracle, String peer, Path file) throws IOException {
        oracle.peer(peer);
        if (!Files.exists(file)) {
            return;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    DeliveredRecord r = Json.MAPPER.readValue(line, DeliveredRecord.class);
                    oracle.delivered(peer, r.partition(), r.offset(), AggregateJson.parse(r.value()));
                } catch (IOException | RuntimeException e) {
                    oracle.unreadable(peer);
                }
            }
        }
    }

    public static void readPeerFiles(Oracle oracle, Map<String, Path> files) throws IOException {
        for (Map.Entry<String, Path> e : files.entrySet()) {
            readPeerFile(oracle, e.getKey(), e.getValue());
        }
    }

    private static TelemetryRecord parse(byte[] value) {
        try {
            return TelemetryJson.parseRecord(value);
        } catch (ProtocolException | IllegalArgumentException e) {
            return null;
        }
    }
}
