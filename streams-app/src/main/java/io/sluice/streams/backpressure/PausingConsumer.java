package io.sluice.streams.backpressure;

import io.sluice.streams.StreamsAppMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main consumer of one stream thread, wrapped so that the app can pause partitions on top of
 * Kafka Streams' own pausing. Kafka Streams pauses a partition when its buffer is full and
 * resumes it when the buffer drains, pauses every new partition during a rebalance until its
 * task is ready, and resumes them after restoration; a plain {@code consumer.pause()} of ours
 * would be undone by the next such resume. So this keeps two sets: what Streams paused and what
 * the app paused. A partition is fetched only when neither has it; Streams' {@code resume} of a
 * partition the app holds is recorded but not passed on.
 *
 * <p>Every change of the app's set happens inside {@link #poll} (and the rebalance callbacks),
 * on the stream thread, because a KafkaConsumer is single-threaded: the controller only flips
 * {@link PauseState}, and alignment uses the stream times the processors publish in
 * {@link PartitionTimes}.
 */
public final class PausingConsumer implements Consumer<byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(PausingConsumer.class);

    private final Consumer<byte[], byte[]> delegate;
    private final PauseState pauseState;
    private final PartitionTimes times;
    private final AlignmentPolicy<TopicPartition> alignment;
    private final StreamsAppMetrics metrics;
    private final Set<TopicPartition> streamsPaused = new HashSet<>();
    private final Set<TopicPartition> appPaused = new HashSet<>();
    private Set<TopicPartition> alignmentPaused = new HashSet<>();
    private final String alignTopic;

    /**
     * @param alignment  the drift rule, null when alignment is off
     * @param alignTopic the topic whose partitions are aligned (the input topic)
     */
    public PausingConsumer(Consumer<byte[], byte[]> delegate, PauseState pauseState, PartitionTimes times,
            AlignmentPolicy<TopicPartition> alignment, String alignTopic, StreamsAppMetrics metrics) {
        this.delegate = delegate;
        this.pauseState = pauseState;
        this.times = times;
        this.alignment = alignment;
        this.metrics = metrics;
        this.alignTopic = alignTopic;
    }

    /** Brings the consumer's paused set to (Streams' set) ∪ (the app's set). Stream thread only. */
    private void reconcile() {
        Set<TopicPartition> assigned = delegate.assignment();
        appPaused.retainAll(assigned);
        streamsPaused.retainAll(assigned);
        alignmentPaused.retainAll(assigned);
        Set<TopicPartition> want = new HashSet<>();
        if (pauseState.pauseAll()) {
            want.addAll(assigned);
        } else if (alignment != null) {
            Map<TopicPartition, AlignmentPolicy.View> views = new HashMap<>();
            for (TopicPartition tp : assigned) {
                if (tp.topic().equals(alignTopic)) {
                    OptionalLong lag = delegate.currentLag(tp);
                    boolean backlog = lag.isEmpty() || lag.getAsLong() > 0;
                    views.put(tp, new AlignmentPolicy.View(times.streamTime(tp), backlog));
                }
            }
            Set<TopicPartition> next = alignment.decide(views, alignmentPaused);
            int newly = 0;
            for (TopicPartition tp : next) {
                if (!alignmentPaused.contains(tp)) {
                    newly++;
                    log.debug("pausing {}: stream time {} ms ahead of the slowest partition", tp, alignment.lastSkew());
                }
            }
            if (newly > 0) {
                metrics.alignmentPaused(newly);
            }
            alignmentPaused = next;
            metrics.skew(alignment.lastSkew());
            want.addAll(next);
        }
        Set<TopicPartition> toPause = new HashSet<>(want);
        toPause.removeAll(appPaused);
        Set<TopicPartition> toResume = new HashSet<>(appPaused);
        toResume.removeAll(want);
        toResume.removeAll(streamsPaused);
        if (!toPause.isEmpty()) {
            delegate.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            delegate.resume(toResume);
        }
        appPaused.clear();
        appPaused.addAll(want);
        for (TopicPartition tp : assigned) {
            OptionalLong lag = delegate.currentLag(tp);
            times.caughtUp(tp, !appPaused.contains(tp) && lag.isPresent() && lag.getAsLong() == 0);
        }
        metrics.consumerPaused(this, appPaused.size(), alignmentPaused.size());
    }

    /** What the app (not Streams) has paused now. */
    public Set<TopicPartition> appPaused() {
        return Set.copyOf(appPaused);
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        reconcile();
        return delegate.poll(timeout);
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        streamsPaused.addAll(partitions);
        delegate.pause(partitions);
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        streamsPaused.removeAll(partitions);
        List<TopicPartition> pass = partitions.stream().filter(tp -> !appPaused.contains(tp)).toList();
        if (!pass.isEmpty()) {
            delegate.resume(pass);
        }
    }

    @Override
    public Set<TopicPartition> paused() {
        return delegate.paused();
    }

    private ConsumerRebalanceListener wrap(ConsumerRebalanceListener inner) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                inner.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                inner.onPartitionsAssigned(partitions);
                // new partitions come unpaused from the consumer: hold them now, not one poll later
                reconcile();
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                inner.onPartitionsLost(partitions);
                partitions.forEach(times::forget);
            }
        };
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener callback) {
        delegate.subscribe(topics, wrap(callback));
    }

    @Override
    public void subscribe(Pattern pattern, ConsumerRebalanceListener callback) {
        delegate.subscribe(pattern, wrap(callback));
    }

    @Override
    public void subscribe(SubscriptionPattern pattern, ConsumerRebalanceListener callback) {
        delegate.subscribe(pattern, wrap(callback));
    }

    @Override
    public void close() {
        metrics.consumerClosed(this);
        delegate.close();
    }

    @Override
    @SuppressWarnings("deprecation") // part of the Consumer interface still; Kafka Streams may call it
    public void close(Duration timeout) {
        metrics.consumerClosed(this);
        delegate.close(timeout);
    }

    @Override
    public void close(CloseOptions option) {
        metrics.consumerClosed(this);
        delegate.close(option);
    }

    // ---------------------------------------------------------------- plain delegation

    @Override
    public Set<TopicPartition> assignment() {
        return delegate.assignment();
    }

    @Override
    public Set<String> subscription() {
        return delegate.subscription();
    }

    @Override
    public void subscribe(Collection<String> topics) {
        delegate.subscribe(topics);
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        delegate.assign(partitions);
    }

    @Override
    public void subscribe(Pattern pattern) {
        delegate.subscribe(pattern);
    }

    @Override
    public void subscribe(SubscriptionPattern pattern) {
        delegate.subscribe(pattern);
    }

    @Override
    public void unsubscribe() {
        delegate.unsubscribe();
    }

    @Override
    public void commitSync() {
        delegate.commitSync();
    }

    @Override
    public void commitSync(Duration timeout) {
        delegate.commitSync(timeout);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        delegate.commitSync(offsets);
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        delegate.commitSync(offsets, timeout);
    }

    @Override
    public void commitAsync() {
        delegate.commitAsync();
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        delegate.commitAsync(callback);
    }

    @Override
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        delegate.commitAsync(offsets, callback);
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        delegate.seek(partition, offset);
    }

    @Override
    public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
        delegate.seek(partition, offsetAndMetadata);
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        delegate.seekToBeginning(partitions);
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        delegate.seekToEnd(partitions);
    }

    @Override
    public long position(TopicPartition partition) {
        return delegate.position(partition);
    }

    @Override
    public long position(TopicPartition partition, Duration timeout) {
        return delegate.position(partition, timeout);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return delegate.committed(partitions);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        return delegate.committed(partitions, timeout);
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        return delegate.partitionsFor(topic, timeout);
    }

    @Override
    public Map<String, List<PartitionInfo>> listTopics() {
        return delegate.listTopics();
    }

    @Override
    public Map<String, List<PartitionInfo>> listTopics(Duration timeout) {
        return delegate.listTopics(timeout);
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
        return delegate.offsetsForTimes(timestampsToSearch);
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch, Duration timeout) {
        return delegate.offsetsForTimes(timestampsToSearch, timeout);
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return delegate.beginningOffsets(partitions);
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return delegate.beginningOffsets(partitions, timeout);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return delegate.endOffsets(partitions);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
        return delegate.endOffsets(partitions, timeout);
    }

    @Override
    public OptionalLong currentLag(TopicPartition topicPartition) {
        return delegate.currentLag(topicPartition);
    }

    @Override
    public ConsumerGroupMetadata groupMetadata() {
        return delegate.groupMetadata();
    }

    @Override
    public void enforceRebalance() {
        delegate.enforceRebalance();
    }

    @Override
    public void enforceRebalance(String reason) {
        delegate.enforceRebalance(reason);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }
}
