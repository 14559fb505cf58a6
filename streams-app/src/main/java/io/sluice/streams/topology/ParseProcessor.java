package io.sluice.streams.topology;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.protocol.telemetry.Gap;
import io.sluice.protocol.telemetry.TelemetryRecord;
import io.sluice.streams.AppRuntime;
import io.sluice.streams.StreamsAppMetrics;
import io.sluice.streams.backpressure.PartitionTimes;
import io.sluice.streams.config.BadRecordPolicy;
import io.sluice.streams.config.Grouping;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First step: parses each input record ({@link TelemetryJson#parseRecord}), keys it by its
 * group, and publishes the partition's stream time for alignment. A record that does not parse
 * goes to the dead-letter sink (unchanged, error in header {@value #ERROR_HEADER}), or is counted
 * and skipped, or stops the app, per {@link BadRecordPolicy}.
 */
final class ParseProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(ParseProcessor.class);
    static final String ERROR_HEADER = "sluice.error";

    private final Grouping grouping;
    private final String tag;
    private final BadRecordPolicy policy;
    private final String next;
    private final String deadLetterSink;
    private ProcessorContext<Object, Object> context;
    private StreamsAppMetrics metrics;
    private PartitionTimes times;
    private TopicPartition lastPartition;
    private PartitionTimes.State lastState;

    ParseProcessor(Grouping grouping, String tag, BadRecordPolicy policy, String next, String deadLetterSink) {
        this.grouping = grouping;
        this.tag = tag;
        this.policy = policy;
        this.next = next;
        this.deadLetterSink = deadLetterSink;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        AppRuntime runtime = AppRuntime.from(context.appConfigs());
        this.metrics = runtime.metrics();
        this.times = runtime.times();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        byte[] value = record.value();
        TelemetryRecord parsed;
        try {
            if (value == null) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "record has no value (tombstone)");
            }
            parsed = TelemetryJson.parseRecord(value);
            check(parsed);
        } catch (RuntimeException e) {
            // whatever is wrong with one record stays with that record
            rejected(record, e.getMessage());
            return;
        }
        if (parsed instanceof DeviceReading) {
            metrics.reading();
        } else {
            metrics.gap();
        }
        observe(GroupKey.eventTime(parsed, record.timestamp()));
        context.forward(new Record<Object, Object>(GroupKey.of(parsed, grouping, tag), new Parsed(parsed, value),
                record.timestamp()), next);
    }

    /** What the source checks too: a metric name it would accept, a finite value. */
    private static void check(TelemetryRecord r) {
        if (r instanceof DeviceReading d) {
            ProtocolLimits.checkMetric(d.reading().metric(), d.reading().seq());
            if (!Double.isFinite(d.reading().value())) {
                throw new ProtocolException(ErrorCode.BAD_VALUE, "value of '" + d.reading().metric() + "' is "
                        + d.reading().value() + "; NaN and infinite values cannot be aggregated");
            }
        } else {
            ProtocolLimits.checkMetric(((Gap) r).metric(), -1);
        }
    }

    private void observe(long eventTime) {
        RecordMetadata m = context.recordMetadata().orElse(null);
        if (m == null) {
            return;
        }
        if (lastPartition == null || lastPartition.partition() != m.partition() || !lastPartition.topic().equals(m.topic())) {
            lastPartition = new TopicPartition(m.topic(), m.partition());
            lastState = times.state(lastPartition);
        }
        lastState.observe(eventTime);
    }

    private void rejected(Record<byte[], byte[]> record, String error) {
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        switch (policy) {
            case FAIL -> throw new StreamsException("input record " + where + " does not parse: " + error);
            case SKIP -> {
                metrics.skipped();
                log.debug("skipping input record {}: {}", where, error);
            }
            case DEAD_LETTER -> {
                metrics.deadLetter();
                log.debug("input record {} to the dead-letter topic: {}", where, error);
                RecordHeaders headers = new RecordHeaders(record.headers().toArray());
                headers.add(ERROR_HEADER, String.valueOf(error).getBytes(StandardCharsets.UTF_8));
                context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers),
                        deadLetterSink);
            }
            default -> throw new IllegalStateException(policy.name());
        }
    }
}
