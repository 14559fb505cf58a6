package io.sluice.sink.file;

import io.sluice.file.AssemblerStats;
import io.sluice.file.FileAssembler;
import io.sluice.file.FileReceivedListener;
import io.sluice.file.ReceivedFile;
import io.sluice.protocol.file.FileEvent;
import io.sluice.protocol.file.FileRecord;
import io.sluice.sink.metrics.SinkMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sink task itself does with files, besides delivering them to peers: write them to a
 * folder on the worker ({@link FileAssembler}, the same code as {@code PeerClient}) and write one
 * event per finished file to an events topic. Both happen in {@code put()}, and {@link #flush()}
 * runs before offsets are committed, so a file's chunks are written, and its event is in Kafka,
 * before the task commits past them (at least once; the assembler skips chunks it has).
 */
public final class FileSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileSink.class);

    private final FileAssembler assembler;
    private final Producer<byte[], byte[]> events;
    private final String eventsTopic;
    private final SinkMetrics metrics;
    private final Clock clock;
    private final Duration sweepEvery;
    private long lastSweepMs;
    private volatile RuntimeException eventFailure;

    /**
     * @param folder      the destination folder settings, or null for no folder writer
     * @param events      producer for events, or null for none
     * @param eventsTopic the events topic
     */
    public FileSink(FileAssembler.Settings folder, Producer<byte[], byte[]> events, String eventsTopic, SinkMetrics metrics,
            Clock clock) throws IOException {
        this.assembler = folder == null ? null : new FileAssembler(folder, new FileReceivedListener() {
            @Override
            public void received(ReceivedFile file) {
                log.info("wrote file {}/{} ({} bytes) to {}", file.device(), file.fileId(), file.size(), file.path());
            }

            @Override
            public void failed(String device, String fileId, String name, String reason) {
                log.warn("file {}/{} '{}' not written: {}", device, fileId, name, reason);
            }
        });
        this.events = events;
        this.eventsTopic = eventsTopic;
        this.metrics = metrics;
        this.clock = clock;
        this.sweepEvery = folder == null ? Duration.ofMinutes(1)
                : Duration.ofMillis(Math.max(1_000, Math.min(60_000, folder.partialTtl().toMillis() / 4)));
        if (assembler != null) {
            gauge("files-started-total", "Files the folder writer began", AssemblerStats::filesStarted);
            gauge("files-completed-total", "Files the folder writer verified and put in place", AssemblerStats::filesCompleted);
            gauge("files-failed-total", "Files the folder writer removed for a wrong SHA-256", AssemblerStats::filesFailed);
            gauge("file-chunks-written-total", "Chunks the folder writer wrote", AssemblerStats::chunksWritten);
            gauge("file-bytes-written-total", "Bytes the folder writer wrote", AssemblerStats::bytesWritten);
            gauge("file-chunks-skipped-total", "Chunks the folder writer already had (redelivered)", AssemblerStats::chunksSkipped);
            gauge("file-checksum-failures-total", "Chunks with a wrong CRC-32C plus files with a wrong SHA-256 (folder writer)",
                    AssemblerStats::checksumFailures);
            gauge("file-partials-removed-total", "Partial files removed after files.partial.ttl.ms", AssemblerStats::partialsRemoved);
            gauge("file-partials-open", "Partial files the folder writer holds", s -> s.partialsOpen());
        }
    }

    private void gauge(String name, String doc, ToLongFunction<AssemblerStats> f) {
        LongSupplier v = () -> f.applyAsLong(assembler.stats());
        metrics.gauge(name, doc, v);
    }

    /** A chunk from {@code put()}: written to the folder (unless it is there already). */
    public void chunk(FileRecord.Chunk c, String topic, int partition, long offset) {
        if (assembler == null) {
            return;
        }
        try {
            assembler.accept(c.toDelivery(topic, partition, offset));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chunk " + c.offset() + " of file " + c.device() + "/" + c.fileId() + " to "
                    + assembler.settings().folder() + ": " + e.getMessage(), e);
        }
    }

    /** A completion marker from {@code put()}: the file is finished in Kafka; tell the events topic. */
    public void marker(FileRecord.Marker m, String topic, int partition, long offset) {
        metrics.fileMarker();
        if (events == null) {
            return;
        }
        Path path = assembler == null ? null : assembler.finishedPath(m.device(), m.fileId());
        FileEvent e = FileEvent.of(m, topic, partition, offset, path == null ? null : path.toString(), clock.millis());
        events.send(new ProducerRecord<>(eventsTopic, m.fileId().getBytes(StandardCharsets.UTF_8), e.toJson()), (md, ex) -> {
            if (ex != null) {
                eventFailure = new IllegalStateException("cannot write the event of file " + m.device() + "/" + m.fileId() + " to "
                        + eventsTopic + ": " + ex.getMessage(), ex);
            } else {
                metrics.fileEvent();
            }
        });
    }

    /**
     * Before a commit: every event sent is in Kafka (else this throws and the commit waits), and
     * partial files past their TTL are removed now and then.
     */
    public void flush() {
        if (events != null) {
            events.flush();
            RuntimeException f = eventFailure;
            if (f != null) {
                eventFailure = null;
                throw f;
            }
        }
        long now = clock.millis();
        if (assembler != null && now - lastSweepMs >= sweepEvery.toMillis()) {
            lastSweepMs = now;
            assembler.sweep();
        }
    }

    public Optional<AssemblerStats> folderStats() {
        return assembler == null ? Optional.empty() : Optional.of(assembler.stats());
    }

    @Override
    public void close() {
        if (assembler != null) {
            assembler.close();
        }
        if (events != null) {
            events.close(Duration.ofSeconds(5));
        }
    }
}
