package io.sluice.streams.backpressure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.streams.StreamsAppMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PausingConsumerTest {
    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    private final MockConsumer<byte[], byte[]> mock = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    private final PauseState state = new PauseState();
    private final PartitionTimes times = new PartitionTimes();
    private final StreamsAppMetrics metrics = new StreamsAppMetrics(Clock.systemUTC());
    private final PausingConsumer consumer = new PausingConsumer(mock, state, times,
            new AlignmentPolicy<>(60_000, 30_000), "in", metrics);

    private void assign() {
        mock.assign(List.of(P0, P1));
        mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        mock.updateEndOffsets(Map.of(P0, 100L, P1, 100L));
    }

    @Test
    void theAppPauseSurvivesKafkaStreamsResumingThePartition() {
        assign();
        state.pauseAll(true);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(metrics.getPausedPartitions()).isEqualTo(2);
        // Streams' buffer logic pauses and resumes: our pause must hold
        consumer.pause(Set.of(P0));
        consumer.resume(Set.of(P0, P1));
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        state.pauseAll(false);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).isEmpty();
        assertThat(metrics.getPausedPartitions()).isZero();
    }

    @Test
    void kafkaStreamsOwnPauseSurvivesTheAppResuming() {
        assign();
        state.pauseAll(true);
        consumer.poll(Duration.ZERO);
        consumer.pause(Set.of(P1)); // Streams' buffer for P1 is full
        state.pauseAll(false);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactly(P1);
        consumer.resume(Set.of(P1));
        assertThat(mock.paused()).isEmpty();
    }

    @Test
    void aRacingPartitionIsPausedByDriftAndResumedWhenTheOthersCatchUp() {
        assign();
        mock.seek(P0, 0);
        mock.seek(P1, 0);
        times.state(P0).observe(1_000_000);
        times.state(P1).observe(900_000);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactly(P0);
        assertThat(metrics.getAlignmentPausedPartitions()).isEqualTo(1);
        assertThat(metrics.getAlignmentPauseCount()).isEqualTo(1);
        assertThat(metrics.getStreamTimeSkewMs()).isEqualTo(100_000);
        times.state(P1).observe(990_000);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).isEmpty();
        assertThat(metrics.getAlignmentPausedPartitions()).isZero();
    }

    @Test
    void newPartitionsAreHeldAsSoonAsTheyAreAssignedWhilePaused() {
        state.pauseAll(true);
        mock.subscribe(List.of("in"));
        consumer.subscribe(List.of("in"), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        });
        mock.rebalance(List.of(P0, P1));
        mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.appPaused()).containsExactlyInAnyOrder(P0, P1);
    }
}
