package io.sluice.streams.config;

import io.sluice.streams.stats.Statistic;
import io.sluice.streams.window.ClosingRule;
import io.sluice.streams.window.WindowSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every setting of the streams app, from {@code config/streams-app.properties}. Keys starting
 * with {@code streams.} are passed to Kafka Streams as they are (without the prefix), after the
 * settings below, which they may not override.
 *
 * <p>Still past the size of one job: the window closing ({@link WindowCloseSettings}) and start-up
 * ({@link StartupSettings}) groups have classes of their own; the other groups (Kafka, topics,
 * aggregation, memory, backpressure, alignment) are to follow the same way.
 */
public final class StreamsAppConfig extends AbstractConfig {
    public static final String STREAMS_PREFIX = "streams.";

    private static final String KAFKA_GROUP = "Kafka";
    private static final String TOPICS_GROUP = "Topics";
    private static final String AGG_GROUP = "Aggregation";
    private static final String ERRORS_GROUP = "Errors";
    private static final String MEMORY_GROUP = "Memory bounds";
    private static final String BP_GROUP = "Backpressure";
    private static final String ALIGN_GROUP = "Event-time alignment";

    // Kafka
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to, host:port,...";
    public static final String APPLICATION_ID_CONFIG = "application.id";
    private static final String APPLICATION_ID_DOC = "Kafka Streams application id: the consumer group of every instance, "
            + "and the prefix of the internal topics. Run N instances with the same id to scale out.";
    public static final String APPLICATION_ID_DEFAULT = "sluice-streams";
    public static final String PROCESSING_GUARANTEE_CONFIG = "processing.guarantee";
    private static final String PROCESSING_GUARANTEE_DOC = "at_least_once (after a crash, readings since the last "
            + "commit may be counted again), or exactly_once_v2 (transactions: each reading is counted in exactly one "
            + "final aggregate across crashes; consumers of the output should read with isolation.level=read_committed).";
    public static final String NUM_THREADS_CONFIG = "num.stream.threads";
    private static final String NUM_THREADS_DOC = "Stream threads in this instance; each has its own consumer, "
            + "its own paused partitions and its own share of the memory bounds.";
    public static final String STATE_DIR_CONFIG = "state.dir";
    private static final String STATE_DIR_DOC = "Where RocksDB keeps the window state of this instance.";
    public static final String STATE_DIR_DEFAULT = "/tmp/sluice-streams";
    public static final String COMMIT_INTERVAL_CONFIG = "commit.interval.ms";
    private static final String COMMIT_INTERVAL_DOC = "How often offsets, state and output are committed "
            + "(with exactly_once_v2 also how long output waits before consumers with read_committed see it); "
            + "-1 uses Kafka Streams' default (30000, or 100 with exactly_once_v2).";

    // Topics
    public static final String INPUT_TOPIC_CONFIG = "input.topic";
    private static final String INPUT_TOPIC_DOC = "The readings topic written by the source connector "
            + "(TelemetryJson readings and gap records; plain JSON readings work too). Key = device id.";
    public static final String OUTPUT_TOPIC_CONFIG = "output.topic";
    private static final String OUTPUT_TOPIC_DOC = "The aggregates topic: one JSON aggregate per window "
            + "(AggregateJson), key device/metric/windowStart.";
    public static final String LATE_TOPIC_CONFIG = "late.topic";
    private static final String LATE_TOPIC_DOC = "Readings that arrived after their window closed (after grace) "
            + "are written here unchanged, key = device, header sluice.late giving the stream time; empty counts and drops them.";
    public static final String DLQ_TOPIC_CONFIG = "dead.letter.topic";
    private static final String DLQ_TOPIC_DOC = "Input records that do not parse go here unchanged, with the "
            + "error in the header sluice.error (when errors.bad.record.policy=dead_letter).";

    // Aggregation
    public static final String GROUPING_CONFIG = "grouping";
    private static final String GROUPING_DOC = "What one aggregate covers: device_metric (one per device and metric), "
            + "device (all metrics of a device together; metric \"*\"), metric (all devices together; device \"*\"), "
            + "or tag (readings with the same value of grouping.tag, per metric; device \"*\"). metric and tag "
            + "re-key the stream through a repartition topic.";
    public static final String GROUPING_TAG_CONFIG = "grouping.tag";
    private static final String GROUPING_TAG_DOC = "The tag whose value groups readings when grouping=tag; "
            + "readings without it are grouped under the value \"" + Grouping.MISSING_TAG + "\".";
    public static final String WINDOW_TYPE_CONFIG = "window.type";
    private static final String WINDOW_TYPE_DOC = "tumbling (window.size.ms), hopping (window.size.ms advancing by "
            + "window.advance.ms) or session (closed after window.session.gap.ms without readings).";
    public static final String WINDOW_SIZE_CONFIG = "window.size.ms";
    private static final String WINDOW_SIZE_DOC = "Length of tumbling and hopping windows.";
    public static final String WINDOW_ADVANCE_CONFIG = "window.advance.ms";
    private static final String WINDOW_ADVANCE_DOC = "Step of hopping windows (at most window.size.ms); "
            + "0 means window.size.ms (tumbling).";
    public static final String SESSION_GAP_CONFIG = "window.session.gap.ms";
    private static final String SESSION_GAP_DOC = "Inactivity gap that ends a session window.";
    public static final String GRACE_CONFIG = "window.grace.ms";
    private static final String GRACE_DOC = "How long (in event time) a window stays open after its end for "
            + "out-of-order readings, by stream time: with window.close=stream_time for every grouping, with "
            + "per_device for metric and tag grouping (which mix devices). A reading arriving later goes to "
            + "late.topic and is counted.";
    public static final String EMIT_CONFIG = "emit";
    private static final String EMIT_DOC = "final: one aggregate per window when it closes. update: an aggregate "
            + "(final=false) after every reading, then the final one when the window closes.";
    public static final String STATISTICS_CONFIG = "statistics";
    private static final String STATISTICS_DOC = "Statistics in each aggregate: count, sum, min, max, mean, stddev "
            + "(population), first, last (by event time) and percentiles pNN (p50, p90, p99.9 ...) from a DDSketch. "
            + "count is always present.";
    public static final String SKETCH_ACCURACY_CONFIG = "sketch.relative.accuracy";
    private static final String SKETCH_ACCURACY_DOC = "Relative accuracy of percentiles: a reported pNN is within "
            + "this fraction of the true value of some reading at that rank.";
    public static final String SKETCH_MAX_BINS_CONFIG = "sketch.max.bins";
    private static final String SKETCH_MAX_BINS_DOC = "Most bins one sketch keeps (memory bound per window and "
            + "sign); beyond it the lowest bins are collapsed, losing accuracy only at the lowest ranks.";
    public static final String IDLE_CLOSE_CONFIG = "idle.close.ms";
    private static final String IDLE_CLOSE_DOC = "When a partition has had no readings for this long (wall clock) "
            + "and is caught up, its stream time is moved on by the wall-clock time elapsed, closing and emitting "
            + "the windows of devices that stopped sending. 0 disables.";
    public static final String IDLE_CHECK_CONFIG = "idle.check.interval.ms";
    private static final String IDLE_CHECK_DOC = "How often the idle-close punctuator runs (wall clock).";

    // Errors
    public static final String BAD_RECORD_POLICY_CONFIG = "errors.bad.record.policy";
    private static final String BAD_RECORD_POLICY_DOC = "An input record that does not parse: dead_letter (to "
            + "dead.letter.topic, counted), skip (counted and dropped) or fail (stop the app).";

    // Memory
    public static final String BUFFERED_RECORDS_CONFIG = "buffered.records.per.partition";
    private static final String BUFFERED_RECORDS_DOC = "Kafka Streams pauses fetching a partition when this many "
            + "fetched records wait to be processed: the bound on the input buffer per partition.";
    public static final String CACHE_BYTES_CONFIG = "statestore.cache.max.bytes";
    private static final String CACHE_BYTES_DOC = "Heap for the record cache in front of the window stores, "
            + "shared by all threads of the instance.";
    public static final String ROCKSDB_MEMORY_CONFIG = "rocksdb.memory.bytes";
    private static final String ROCKSDB_MEMORY_DOC = "Off-heap memory for all RocksDB stores of the instance "
            + "(block cache with index and filter blocks, memtables counted against it).";
    public static final String ROCKSDB_MEMTABLE_CONFIG = "rocksdb.memtable.bytes";
    private static final String ROCKSDB_MEMTABLE_DOC = "The part of rocksdb.memory.bytes memtables may use.";
    public static final String OPEN_WINDOWS_HEAP_CONFIG = "window.heap.max.windows";
    private static final String OPEN_WINDOWS_HEAP_DOC = "Time-window panes the instance keeps deserialized on the "
            + "heap, across all its tasks (oldest of a task dropped first), in front of the window store, so a reading "
            + "costs one store write and no read; about 300 bytes each, plus up to 32 values or a sketch with "
            + "percentiles. 0 turns it off.";
    public static final String MAX_POLL_RECORDS_CONFIG = "max.poll.records";
    private static final String MAX_POLL_RECORDS_DOC = "Most records one poll of the main consumer returns.";

    // Backpressure
    public static final String BP_ENABLED_CONFIG = "backpressure.enabled";
    private static final String BP_ENABLED_DOC = "Pause all input while downstream falls behind (see the "
            + "backpressure.* keys); the Kafka Streams bounds above apply regardless.";
    public static final String BP_GROUP_CONFIG = "backpressure.downstream.group";
    private static final String BP_GROUP_DOC = "Consumer group whose lag on output.topic is watched (the sink "
            + "connector's group is connect-<connector name>); empty: no lag signal.";
    public static final String BP_LAG_HIGH_CONFIG = "backpressure.lag.high.records";
    private static final String BP_LAG_HIGH_DOC = "Input is paused when the downstream group's lag reaches this.";
    public static final String BP_LAG_LOW_CONFIG = "backpressure.lag.low.records";
    private static final String BP_LAG_LOW_DOC = "Paused input resumes when the lag is at or below this and the "
            + "producer buffer is below its low mark.";
    public static final String BP_BUFFER_HIGH_CONFIG = "backpressure.producer.buffer.high.ratio";
    private static final String BP_BUFFER_HIGH_DOC = "Input is paused when the app's producer buffer is this full "
            + "(fraction of buffer.memory).";
    public static final String BP_BUFFER_LOW_CONFIG = "backpressure.producer.buffer.low.ratio";
    private static final String BP_BUFFER_LOW_DOC = "Paused input resumes when the producer buffer is at or below "
            + "this and the lag is at or below its low mark.";
    public static final String BP_INTERVAL_CONFIG = "backpressure.check.interval.ms";
    private static final String BP_INTERVAL_DOC = "How often the downstream lag and producer buffer are measured.";

    // Alignment
    public static final String ALIGN_MAX_DRIFT_CONFIG = "alignment.max.drift.ms";
    private static final String ALIGN_MAX_DRIFT_DOC = "A partition whose stream time is this far ahead of the "
            + "slowest partition of the same consumer that still has data to read is paused; 0 disables.";
    public static final String ALIGN_RESUME_DRIFT_CONFIG = "alignment.resume.drift.ms";
    private static final String ALIGN_RESUME_DRIFT_DOC = "A partition paused for drift resumes when it is at most "
            + "this far ahead (or when no other partition has data to read). At most alignment.max.drift.ms.";

    private static final ConfigDef CONFIG = configDef();

    private final WindowSpec window;
    private final Grouping grouping;
    private final List<Statistic> statistics;

    public StreamsAppConfig(Map<?, ?> props) {
        super(CONFIG, props);
        this.grouping = Grouping.valueOf(getString(GROUPING_CONFIG).toUpperCase(Locale.ROOT));
        this.window = buildWindow();
        this.statistics = Statistic.parseAll(getList(STATISTICS_CONFIG));
        crossCheck();
    }

    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        addKafkaGroup(def);
        addTopicsGroup(def);
        addAggregationGroup(def);
        addErrorsGroup(def);
        addMemoryGroup(def);
        addBackpressureGroup(def);
        addAlignmentGroup(def);
        WindowCloseSettings.addGroup(def);
        StartupSettings.addGroup(def);
        return def;
    }

    private static void addKafkaGroup(ConfigDef def) {
        int o = 0;
        def.define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || ((List<?>) value).isEmpty()) {
                    throw new ConfigException(name, value, "at least one broker is required");
                }
            }

            @Override
            public String toString() {
                return "non-empty list of host:port";
            }
        }, Importance.HIGH, BOOTSTRAP_SERVERS_DOC, KAFKA_GROUP, ++o, Width.LONG, "Bootstrap servers");
        def.define(APPLICATION_ID_CONFIG, Type.STRING, APPLICATION_ID_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.HIGH, APPLICATION_ID_DOC, KAFKA_GROUP, ++o, Width.MEDIUM, "Application id");
        def.define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, "at_least_once",
                ConfigDef.ValidString.in("at_least_once", "exactly_once_v2"), Importance.HIGH,
                PROCESSING_GUARANTEE_DOC, KAFKA_GROUP, ++o, Width.SHORT, "Processing guarantee");
        def.define(NUM_THREADS_CONFIG, Type.INT, 1, ConfigDef.Range.between(1, 64), Importance.MEDIUM,
                NUM_THREADS_DOC, KAFKA_GROUP, ++o, Width.SHORT, "Stream threads");
        def.define(STATE_DIR_CONFIG, Type.STRING, STATE_DIR_DEFAULT, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                STATE_DIR_DOC, KAFKA_GROUP, ++o, Width.LONG, "State directory");
        def.define(COMMIT_INTERVAL_CONFIG, Type.LONG, -1L, ConfigDef.Range.atLeast(-1), Importance.LOW,
                COMMIT_INTERVAL_DOC, KAFKA_GROUP, ++o, Width.SHORT, "Commit interval");
    }

    private static void addTopicsGroup(ConfigDef def) {
        int o = 0;
        def.define(INPUT_TOPIC_CONFIG, Type.STRING, "readings", new ConfigDef.NonEmptyString(), Importance.HIGH,
                INPUT_TOPIC_DOC, TOPICS_GROUP, ++o, Width.MEDIUM, "Input topic");
        def.define(OUTPUT_TOPIC_CONFIG, Type.STRING, "aggregates", new ConfigDef.NonEmptyString(), Importance.HIGH,
                OUTPUT_TOPIC_DOC, TOPICS_GROUP, ++o, Width.MEDIUM, "Output topic");
        def.define(LATE_TOPIC_CONFIG, Type.STRING, "readings-late", null, Importance.MEDIUM, LATE_TOPIC_DOC,
                TOPICS_GROUP, ++o, Width.MEDIUM, "Late topic");
        def.define(DLQ_TOPIC_CONFIG, Type.STRING, "readings-dlq", null, Importance.MEDIUM, DLQ_TOPIC_DOC,
                TOPICS_GROUP, ++o, Width.MEDIUM, "Dead-letter topic");
    }

    private static void addAggregationGroup(ConfigDef def) {
        int o = 0;
        def.define(GROUPING_CONFIG, Type.STRING, "device_metric", ConfigDef.CaseInsensitiveValidString.in(
                "device_metric", "device", "metric", "tag"), Importance.HIGH, GROUPING_DOC, AGG_GROUP, ++o,
                Width.SHORT, "Grouping");
        def.define(GROUPING_TAG_CONFIG, Type.STRING, "", null, Importance.MEDIUM, GROUPING_TAG_DOC, AGG_GROUP, ++o,
                Width.SHORT, "Grouping tag");
        def.define(WINDOW_TYPE_CONFIG, Type.STRING, "tumbling", ConfigDef.CaseInsensitiveValidString.in(
                "tumbling", "hopping", "session"), Importance.HIGH, WINDOW_TYPE_DOC, AGG_GROUP, ++o, Width.SHORT,
                "Window type");
        def.define(WINDOW_SIZE_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.HIGH,
                WINDOW_SIZE_DOC, AGG_GROUP, ++o, Width.SHORT, "Window size");
        def.define(WINDOW_ADVANCE_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                WINDOW_ADVANCE_DOC, AGG_GROUP, ++o, Width.SHORT, "Window advance");
        def.define(SESSION_GAP_CONFIG, Type.LONG, 30_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                SESSION_GAP_DOC, AGG_GROUP, ++o, Width.SHORT, "Session gap");
        def.define(GRACE_CONFIG, Type.LONG, 5_000L, ConfigDef.Range.atLeast(0), Importance.HIGH, GRACE_DOC,
                AGG_GROUP, ++o, Width.SHORT, "Grace period");
        def.define(EMIT_CONFIG, Type.STRING, "final", ConfigDef.CaseInsensitiveValidString.in("final", "update"),
                Importance.HIGH, EMIT_DOC, AGG_GROUP, ++o, Width.SHORT, "Emit mode");
        def.define(STATISTICS_CONFIG, Type.LIST, "count,sum,min,max,mean,stddev,first,last",
                new ConfigDef.Validator() {
                    @Override
                    public void ensureValid(String name, Object value) {
                        try {
                            Statistic.parseAll(castList(value));
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException(name, value, e.getMessage());
                        }
                    }

                    @Override
                    public String toString() {
                        return "list of count, sum, min, max, mean, stddev, first, last, pNN (0 < NN < 100, e.g. p50, p99.9)";
                    }
                }, Importance.HIGH, STATISTICS_DOC, AGG_GROUP, ++o, Width.LONG, "Statistics");
        def.define(SKETCH_ACCURACY_CONFIG, Type.DOUBLE, 0.01, ConfigDef.Range.between(0.0001, 0.5), Importance.LOW,
                SKETCH_ACCURACY_DOC, AGG_GROUP, ++o, Width.SHORT, "Sketch relative accuracy");
        def.define(SKETCH_MAX_BINS_CONFIG, Type.INT, 2048, ConfigDef.Range.between(16, 65_536), Importance.LOW,
                SKETCH_MAX_BINS_DOC, AGG_GROUP, ++o, Width.SHORT, "Sketch max bins");
        def.define(IDLE_CLOSE_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                IDLE_CLOSE_DOC, AGG_GROUP, ++o, Width.SHORT, "Idle close after");
        def.define(IDLE_CHECK_CONFIG, Type.LONG, 5_000L, ConfigDef.Range.atLeast(10), Importance.LOW,
                IDLE_CHECK_DOC, AGG_GROUP, ++o, Width.SHORT, "Idle check interval");
    }

    private static void addErrorsGroup(ConfigDef def) {
        def.define(BAD_RECORD_POLICY_CONFIG, Type.STRING, "dead_letter", ConfigDef.CaseInsensitiveValidString.in(
                "dead_letter", "skip", "fail"), Importance.MEDIUM, BAD_RECORD_POLICY_DOC, ERRORS_GROUP, 1,
                Width.SHORT, "Bad record policy");
    }

    private static void addMemoryGroup(ConfigDef def) {
        int o = 0;
        def.define(BUFFERED_RECORDS_CONFIG, Type.INT, 1000, ConfigDef.Range.between(1, 1_000_000), Importance.MEDIUM,
                BUFFERED_RECORDS_DOC, MEMORY_GROUP, ++o, Width.SHORT, "Buffered records per partition");
        def.define(CACHE_BYTES_CONFIG, Type.LONG, 10L << 20, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                CACHE_BYTES_DOC, MEMORY_GROUP, ++o, Width.SHORT, "Record cache bytes");
        def.define(ROCKSDB_MEMORY_CONFIG, Type.LONG, 64L << 20, ConfigDef.Range.atLeast(1L << 20), Importance.MEDIUM,
                ROCKSDB_MEMORY_DOC, MEMORY_GROUP, ++o, Width.SHORT, "RocksDB memory bytes");
        def.define(ROCKSDB_MEMTABLE_CONFIG, Type.LONG, 16L << 20, ConfigDef.Range.atLeast(1L << 20), Importance.LOW,
                ROCKSDB_MEMTABLE_DOC, MEMORY_GROUP, ++o, Width.SHORT, "RocksDB memtable bytes");
        def.define(OPEN_WINDOWS_HEAP_CONFIG, Type.INT, 100_000, ConfigDef.Range.between(0, 10_000_000),
                Importance.LOW, OPEN_WINDOWS_HEAP_DOC, MEMORY_GROUP, ++o, Width.SHORT, "Open windows on heap");
        def.define(MAX_POLL_RECORDS_CONFIG, Type.INT, 1000, ConfigDef.Range.between(1, 100_000), Importance.LOW,
                MAX_POLL_RECORDS_DOC, MEMORY_GROUP, ++o, Width.SHORT, "Max poll records");
    }

    private static void addBackpressureGroup(ConfigDef def) {
        int o = 0;
        def.define(BP_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, BP_ENABLED_DOC, BP_GROUP, ++o,
                Width.SHORT, "Backpressure enabled");
        def.define(BP_GROUP_CONFIG, Type.STRING, "", null, Importance.HIGH, BP_GROUP_DOC, BP_GROUP, ++o,
                Width.MEDIUM, "Downstream consumer group");
        def.define(BP_LAG_HIGH_CONFIG, Type.LONG, 100_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                BP_LAG_HIGH_DOC, BP_GROUP, ++o, Width.SHORT, "Lag high mark");
        def.define(BP_LAG_LOW_CONFIG, Type.LONG, 20_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                BP_LAG_LOW_DOC, BP_GROUP, ++o, Width.SHORT, "Lag low mark");
        def.define(BP_BUFFER_HIGH_CONFIG, Type.DOUBLE, 0.8, ConfigDef.Range.between(0.0, 1.0), Importance.LOW,
                BP_BUFFER_HIGH_DOC, BP_GROUP, ++o, Width.SHORT, "Producer buffer high mark");
        def.define(BP_BUFFER_LOW_CONFIG, Type.DOUBLE, 0.3, ConfigDef.Range.between(0.0, 1.0), Importance.LOW,
                BP_BUFFER_LOW_DOC, BP_GROUP, ++o, Width.SHORT, "Producer buffer low mark");
        def.define(BP_INTERVAL_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.atLeast(10), Importance.LOW,
                BP_INTERVAL_DOC, BP_GROUP, ++o, Width.SHORT, "Check interval");
    }

    private static void addAlignmentGroup(ConfigDef def) {
        int o = 0;
        def.define(ALIGN_MAX_DRIFT_CONFIG, Type.LONG, 600_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                ALIGN_MAX_DRIFT_DOC, ALIGN_GROUP, ++o, Width.SHORT, "Max drift");
        def.define(ALIGN_RESUME_DRIFT_CONFIG, Type.LONG, 300_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                ALIGN_RESUME_DRIFT_DOC, ALIGN_GROUP, ++o, Width.SHORT, "Resume drift");
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object value) {
        return value instanceof List<?> l ? (List<String>) l : List.of(String.valueOf(value).split(","));
    }

    private WindowSpec buildWindow() {
        String type = getString(WINDOW_TYPE_CONFIG).toLowerCase(Locale.ROOT);
        long size = getLong(WINDOW_SIZE_CONFIG);
        long advance = getLong(WINDOW_ADVANCE_CONFIG);
        long grace = getLong(GRACE_CONFIG);
        return switch (type) {
            case "tumbling" -> WindowSpec.tumbling(size, grace);
            case "hopping" -> {
                if (advance > size) {
                    throw new ConfigException(WINDOW_ADVANCE_CONFIG + " (" + advance + ") must not be larger than "
                            + WINDOW_SIZE_CONFIG + " (" + size + "): hopping windows would leave readings out");
                }
                yield WindowSpec.hopping(size, advance == 0 ? size : advance, grace);
            }
            default -> WindowSpec.session(getLong(SESSION_GAP_CONFIG), grace);
        };
    }

    /** The cross-field rules; also the only messages {@link #validate} returns. */
    private void crossCheck() {
        List<String> errors = crossFieldErrors(this);
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("; ", errors));
        }
    }

    private static List<String> crossFieldErrors(StreamsAppConfig c) {
        List<String> errors = new ArrayList<>();
        if (c.grouping == Grouping.TAG && c.getString(GROUPING_TAG_CONFIG).isBlank()) {
            errors.add(GROUPING_TAG_CONFIG + " is required when grouping=tag");
        }
        if (c.getLong(BP_LAG_LOW_CONFIG) >= c.getLong(BP_LAG_HIGH_CONFIG)) {
            errors.add(BP_LAG_LOW_CONFIG + " (" + c.getLong(BP_LAG_LOW_CONFIG) + ") must be below "
                    + BP_LAG_HIGH_CONFIG + " (" + c.getLong(BP_LAG_HIGH_CONFIG) + ") for hysteresis");
        }
        if (c.getDouble(BP_BUFFER_LOW_CONFIG) >= c.getDouble(BP_BUFFER_HIGH_CONFIG)) {
            errors.add(BP_BUFFER_LOW_CONFIG + " (" + c.getDouble(BP_BUFFER_LOW_CONFIG) + ") must be below "
                    + BP_BUFFER_HIGH_CONFIG + " (" + c.getDouble(BP_BUFFER_HIGH_CONFIG) + ") for hysteresis");
        }
        if (c.getLong(ALIGN_MAX_DRIFT_CONFIG) > 0 && c.getLong(ALIGN_RESUME_DRIFT_CONFIG) > c.getLong(ALIGN_MAX_DRIFT_CONFIG)) {
            errors.add(ALIGN_RESUME_DRIFT_CONFIG + " (" + c.getLong(ALIGN_RESUME_DRIFT_CONFIG) + ") must not be above "
                    + ALIGN_MAX_DRIFT_CONFIG + " (" + c.getLong(ALIGN_MAX_DRIFT_CONFIG) + ")");
        }
        if (c.getLong(ROCKSDB_MEMTABLE_CONFIG) > c.getLong(ROCKSDB_MEMORY_CONFIG)) {
            errors.add(ROCKSDB_MEMTABLE_CONFIG + " (" + c.getLong(ROCKSDB_MEMTABLE_CONFIG) + ") must not be above "
                    + ROCKSDB_MEMORY_CONFIG + " (" + c.getLong(ROCKSDB_MEMORY_CONFIG) + ")");
        }
        Set<String> topics = new LinkedHashSet<>();
        for (String k : List.of(INPUT_TOPIC_CONFIG, OUTPUT_TOPIC_CONFIG, LATE_TOPIC_CONFIG, DLQ_TOPIC_CONFIG)) {
            String t = c.getString(k);
            if (t != null && !t.isBlank() && !topics.add(t)) {
                errors.add(k + " (" + t + ") must differ from the other topics");
            }
        }
        if (c.badRecordPolicy() == BadRecordPolicy.DEAD_LETTER && c.deadLetterTopic() == null) {
            errors.add(DLQ_TOPIC_CONFIG + " is required when " + BAD_RECORD_POLICY_CONFIG + "=dead_letter");
        }
        WindowCloseSettings.crossFieldErrors(c, errors);
        if (!c.idleClose().isZero() && c.getLong(IDLE_CHECK_CONFIG) > c.getLong(IDLE_CLOSE_CONFIG)) {
            errors.add(IDLE_CHECK_CONFIG + " (" + c.getLong(IDLE_CHECK_CONFIG) + ") must not be above "
                    + IDLE_CLOSE_CONFIG + " (" + c.getLong(IDLE_CLOSE_CONFIG) + ")");
        }
        return errors;
    }

    /**
     * Checks {@code props} without throwing: every single-key error and every cross-field error,
     * as messages (empty when valid). Used by {@code main} to report all problems at once.
     */
    public static List<String> validate(Map<String, String> props) {
        List<String> errors = new ArrayList<>();
        for (String key : new java.util.TreeSet<>(props.keySet())) {
            if (!key.startsWith(STREAMS_PREFIX) && !CONFIG.names().contains(key)) {
                errors.add(UnknownKeys.error(key, CONFIG.names(), STREAMS_PREFIX));
            }
        }
        CONFIG.validateAll(props).values().forEach(v -> errors.addAll(v.errorMessages()));
        if (errors.isEmpty()) {
            try {
                new StreamsAppConfig(props);
            } catch (ConfigException e) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    // ---------------------------------------------------------------- typed accessors

    public String bootstrapServers() {
        return String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG));
    }

    public String applicationId() {
        return getString(APPLICATION_ID_CONFIG);
    }

    public String processingGuarantee() {
        return getString(PROCESSING_GUARANTEE_CONFIG);
    }

    public boolean exactlyOnce() {
        return "exactly_once_v2".equals(processingGuarantee());
    }

    public int numThreads() {
        return getInt(NUM_THREADS_CONFIG);
    }

    public String stateDir() {
        return getString(STATE_DIR_CONFIG);
    }

    public long commitIntervalMs() {
        return getLong(COMMIT_INTERVAL_CONFIG);
    }

    public String inputTopic() {
        return getString(INPUT_TOPIC_CONFIG);
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC_CONFIG);
    }

    /** Null when late readings are only counted. */
    public String lateTopic() {
        String t = getString(LATE_TOPIC_CONFIG);
        return t == null || t.isBlank() ? null : t;
    }

    public String deadLetterTopic() {
        String t = getString(DLQ_TOPIC_CONFIG);
        return t == null || t.isBlank() ? null : t;
    }

    public Grouping grouping() {
        return grouping;
    }

    public String groupingTag() {
        return getString(GROUPING_TAG_CONFIG);
    }

    public WindowSpec window() {
        return window;
    }

    /** How windows close: per device (for groupings that keep devices apart) or by stream time. */
    public ClosingRule closingRule() {
        return WindowCloseSettings.rule(this, grouping);
    }

    public StartupSettings startup() {
        return StartupSettings.from(this);
    }

    public EmitMode emit() {
        return EmitMode.valueOf(getString(EMIT_CONFIG).toUpperCase(Locale.ROOT));
    }

    public List<Statistic> statistics() {
        return statistics;
    }

    public double sketchRelativeAccuracy() {
        return getDouble(SKETCH_ACCURACY_CONFIG);
    }

    public int sketchMaxBins() {
        return getInt(SKETCH_MAX_BINS_CONFIG);
    }

    public Duration idleClose() {
        return Duration.ofMillis(getLong(IDLE_CLOSE_CONFIG));
    }

    public Duration idleCheckInterval() {
        return Duration.ofMillis(getLong(IDLE_CHECK_CONFIG));
    }

    public BadRecordPolicy badRecordPolicy() {
        return BadRecordPolicy.valueOf(getString(BAD_RECORD_POLICY_CONFIG).toUpperCase(Locale.ROOT));
    }

    public int bufferedRecordsPerPartition() {
        return getInt(BUFFERED_RECORDS_CONFIG);
    }

    public long cacheMaxBytes() {
        return getLong(CACHE_BYTES_CONFIG);
    }

    public long rocksDbMemoryBytes() {
        return getLong(ROCKSDB_MEMORY_CONFIG);
    }

    public long rocksDbMemtableBytes() {
        return getLong(ROCKSDB_MEMTABLE_CONFIG);
    }

    public int openWindowsHeapMax() {
        return getInt(OPEN_WINDOWS_HEAP_CONFIG);
    }

    public int maxPollRecords() {
        return getInt(MAX_POLL_RECORDS_CONFIG);
    }

    public boolean backpressureEnabled() {
        return getBoolean(BP_ENABLED_CONFIG);
    }

    /** Null when no downstream group is watched. */
    public String downstreamGroup() {
        String g = getString(BP_GROUP_CONFIG);
        return g == null || g.isBlank() ? null : g;
    }

    public long lagHigh() {
        return getLong(BP_LAG_HIGH_CONFIG);
    }

    public long lagLow() {
        return getLong(BP_LAG_LOW_CONFIG);
    }

    public double bufferHigh() {
        return getDouble(BP_BUFFER_HIGH_CONFIG);
    }

    public double bufferLow() {
        return getDouble(BP_BUFFER_LOW_CONFIG);
    }

    public Duration backpressureInterval() {
        return Duration.ofMillis(getLong(BP_INTERVAL_CONFIG));
    }

    public long maxDriftMs() {
        return getLong(ALIGN_MAX_DRIFT_CONFIG);
    }

    public long resumeDriftMs() {
        return Math.min(getLong(ALIGN_RESUME_DRIFT_CONFIG), maxDriftMs());
    }

    /** The {@code streams.}-prefixed keys without their prefix. */
    public Map<String, Object> streamsOverrides() {
        return new HashMap<>(originalsWithPrefix(STREAMS_PREFIX));
    }
}
