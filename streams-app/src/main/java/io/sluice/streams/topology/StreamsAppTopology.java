package io.sluice.streams.topology;

import io.sluice.streams.config.BadRecordPolicy;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.memory.BoundedRocksDBConfig;
import io.sluice.streams.serde.ParsedSerde;
import io.sluice.streams.stats.SketchFactory;
import io.sluice.streams.stats.Statistic;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.GroupProtocol;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The topology and the Kafka Streams settings of the app, both pure functions of the config.
 * <pre>
 * input ──▶ parse ──▶ [repartition by group, for metric/tag grouping] ──▶ aggregate ──▶ output
 *             └──▶ dead-letter                                              └──▶ late
 * </pre>
 */
public final class StreamsAppTopology {
    public static final String SOURCE = "readings-source";
    public static final String PARSE = "parse";
    public static final String PARSED = "parsed";
    public static final String AGGREGATE = "aggregate";
    public static final String OUTPUT_SINK = "aggregates-sink";
    public static final String LATE_SINK = "late-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String REGROUP = "regroup";

    private StreamsAppTopology() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Topology buildTopology(StreamsAppConfig config) {
        // the builder sees the app's Kafka Streams settings (e.g. the processing exception handler flag)
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsConfig(config))));
        Serde<byte[]> bytes = Serdes.ByteArray();
        String deadLetterSink = config.badRecordPolicy() == BadRecordPolicy.DEAD_LETTER ? DEAD_LETTER_SINK : null;

        KStream<byte[], byte[]> input = builder.stream(config.inputTopic(),
                Consumed.with(bytes, bytes).withTimestampExtractor(new UsePartitionTimeOnInvalidTimestamp()).withName(SOURCE));
        boolean regroup = config.grouping().repartitions();
        // the parse step forwards by name: to the aggregate step directly, or to a pass-through
        // node in front of the repartition (the dead-letter sink is a sibling either way)
        KStream<Object, Object> parseOut = input.process(() -> new ParseProcessor(config.grouping(), config.groupingTag(),
                config.badRecordPolicy(), regroup ? PARSED : AGGREGATE, deadLetterSink), Named.as(PARSE));
        if (deadLetterSink != null) {
            parseOut.to(config.deadLetterTopic(), (Produced) Produced.with(bytes, bytes).withName(DEAD_LETTER_SINK));
        }
        KStream<String, Parsed> parsed = (KStream) parseOut;
        if (regroup) {
            parsed = ((KStream<String, Parsed>) (KStream) parseOut.processValues(PassThrough::new, Named.as(PARSED)))
                    .repartition(Repartitioned.with(Serdes.String(), new ParsedSerde()).withName(REGROUP));
        }

        String[] stores = config.window().isSession()
                ? new String[] {WindowAggregateProcessor.WINDOWS_STORE, WindowAggregateProcessor.META_STORE,
                    WindowAggregateProcessor.CLOSING_STORE}
                : new String[] {WindowAggregateProcessor.WINDOWS_STORE, WindowAggregateProcessor.META_STORE};
        for (String store : stores) {
            builder.addStateStore(store(store));
        }
        SketchFactory sketches = Statistic.anyPercentile(config.statistics())
                ? new SketchFactory(config.sketchRelativeAccuracy(), config.sketchMaxBins()) : null;
        String lateSink = config.lateTopic() == null ? null : LATE_SINK;
        KStream<Object, Object> out = ((KStream<Object, Object>) (KStream) parsed).process(
                () -> new WindowAggregateProcessor(config.window(), config.closingRule(), config.statistics(), config.emit(), sketches,
                        config.groupingTag(), OUTPUT_SINK, lateSink, config.idleClose(), config.idleCheckInterval(),
                        config.openWindowsHeapMax()),
                Named.as(AGGREGATE), stores);
        out.to(config.outputTopic(), (Produced) Produced.with(bytes, bytes).withName(OUTPUT_SINK));
        if (lateSink != null) {
            out.to(config.lateTopic(), (Produced) Produced.with(bytes, bytes).withName(LATE_SINK));
        }
        return builder.build();
    }

    private static StoreBuilder<KeyValueStore<Bytes, byte[]>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
    }

    /**
     * Kafka Streams settings: the app's own choices (memory bounds, exception handlers, the
     * classic group protocol the pausing consumer needs), then the {@code streams.} overrides.
     */
    public static Properties streamsConfig(StreamsAppConfig config) {
        Properties p = new Properties();
        p.putAll(config.streamsOverrides());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.numThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir());
        if (config.commitIntervalMs() >= 0) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitIntervalMs());
        }
        // memory bounds, set on purpose
        p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, config.bufferedRecordsPerPartition());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, config.cacheMaxBytes());
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDBConfig.class);
        p.put(BoundedRocksDBConfig.MEMORY_BYTES, config.rocksDbMemoryBytes());
        p.put(BoundedRocksDBConfig.MEMTABLE_BYTES, config.rocksDbMemtableBytes());
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), config.maxPollRecords());
        // our own pausing wraps the main consumer through the client supplier, which the
        // "streams" group protocol bypasses
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, GroupProtocol.CLASSIC.name().toLowerCase(java.util.Locale.ROOT));
        // bad input is handled in the parse step (dead letter / skip / fail); anything else is a bug: stop
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        return p;
    }

    /** Forwards values unchanged. */
    private static final class PassThrough implements org.apache.kafka.streams.processor.api.FixedKeyProcessor<Object, Object, Object> {
        private org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<Object, Object> context;

        @Override
        public void init(org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public void process(org.apache.kafka.streams.processor.api.FixedKeyRecord<Object, Object> record) {
            context.forward(record);
        }
    }
}
