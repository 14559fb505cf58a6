package io.sluice.quickstart.view;

import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.json.Json;
import io.sluice.protocol.telemetry.Aggregate;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Follows the peer CLI's NDJSON output file: every line is a delivered record; aggregates of
 * this run's devices are counted (records, distinct ids, sum of their window counts).
 */
public final class PeerOutput {
    private final Path file;
    private final String devicePrefix;
    private long position;
    private final StringBuilder partial = new StringBuilder();
    private final Set<String> ids = new HashSet<>();
    private long lines;
    private long records;
    private long duplicates;
    private long finalCountSum;
    private long finalWindows;
    private long unreadable;

    public PeerOutput(Path file, String devicePrefix) {
        this.file = file;
        this.devicePrefix = devicePrefix;
    }

    /** Reads what was appended since the last call. */
    public synchronized void refresh() {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (len <= position) {
                return;
            }
            f.seek(position);
            byte[] buf = new byte[(int) Math.min(len - position, 64 << 20)];
            f.readFully(buf);
            position += buf.length;
            partial.append(new String(buf, StandardCharsets.UTF_8));
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                if (!line.isBlank()) {
                    accept(line);
                }
            }
        } catch (IOException e) {
            // the file is being written; try again next time
        }
    }

    private void accept(String line) {
        lines++;
        try {
            DeliveredRecord r = Json.MAPPER.readValue(line, DeliveredRecord.class);
            Aggregate a = AggregateJson.parse(r.value());
            if (!a.device().startsWith(devicePrefix)) {
                return;
            }
            records++;
            if (!ids.add(r.topic() + "/" + r.partition() + "/" + r.offset())) {
                duplicates++;
                return;
            }
            if (a.isFinal()) {
                finalWindows++;
                finalCountSum += a.count();
            }
        } catch (IOException | RuntimeException e) {
            unreadable++;
        }
    }

    /** Delivered aggregates of this run: records, distinct ids, duplicates, final windows and the sum of their counts. */
    public record Counts(long records, long distinct, long duplicates, long finalWindows, long finalCountSum, long unreadable) {
    }

    public synchronized Counts counts() {
        return new Counts(records, ids.size(), duplicates, finalWindows, finalCountSum, unreadable);
    }
}
