package io.sluice.streams.backpressure;

import io.sluice.streams.StreamsAppMetrics;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

/** Kafka's default clients, with every main consumer wrapped in a {@link PausingConsumer}. */
public final class PausingClientSupplier implements KafkaClientSupplier {
    private final KafkaClientSupplier defaults = new DefaultKafkaClientSupplier();
    private final PauseState pauseState;
    private final PartitionTimes times;
    private final long maxDrift;
    private final long resumeDrift;
    private final String alignTopic;
    private final StreamsAppMetrics metrics;

    /** {@code maxDrift} 0 turns alignment off. */
    public PausingClientSupplier(PauseState pauseState, PartitionTimes times, long maxDrift, long resumeDrift,
            String alignTopic, StreamsAppMetrics metrics) {
        this.pauseState = pauseState;
        this.times = times;
        this.maxDrift = maxDrift;
        this.resumeDrift = resumeDrift;
        this.alignTopic = alignTopic;
        this.metrics = metrics;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return defaults.getAdmin(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return defaults.getProducer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        AlignmentPolicy<TopicPartition> policy = maxDrift > 0 ? new AlignmentPolicy<>(maxDrift, resumeDrift) : null;
        return new PausingConsumer(defaults.getConsumer(config), pauseState, times, policy, alignTopic, metrics);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return defaults.getRestoreConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return defaults.getGlobalConsumer(config);
    }
}
