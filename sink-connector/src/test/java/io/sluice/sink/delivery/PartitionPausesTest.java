package io.sluice.sink.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionPausesTest {
    private static final TopicPartition A = new TopicPartition("aggregates", 0);
    private static final TopicPartition B = new TopicPartition("aggregates", 1);
    private static final TopicPartition C = new TopicPartition("aggregates", 2);

    @Test
    void pausesOnceAndResumesWhenNoLongerWantedWithThePausedTime() {
        PartitionPauses p = new PartitionPauses();
        assertThat(p.update(Set.of(A, B), Set.of(A, B), 1_000).pause()).containsExactlyInAnyOrder(A, B);
        assertThat(p.update(Set.of(A, B), Set.of(A, B), 1_500).pause()).isEmpty();
        PartitionPauses.Changes c = p.update(Set.of(B), Set.of(A, B), 3_000);
        assertThat(c.resume()).containsExactly(A);
        assertThat(c.pausedMs()).containsExactly(2_000L);
        assertThat(p.count()).isEqualTo(1);
    }

    @Test
    void aPartitionPausedBeforeARebalanceIsPausedAgainOnAssignmentAndResumedWhenTheSlowPeerCaughtUpMeanwhile() {
        PartitionPauses p = new PartitionPauses();
        p.update(Set.of(A, B), Set.of(A, B), 0);
        // revoked, and assigned again; Connect pauses both again, and the task must know it did
        assertThat(p.assigned(List.of(A, B, C))).containsExactlyInAnyOrder(A, B);
        // the peer caught up during the rebalance: nothing is wanted paused any more
        PartitionPauses.Changes c = p.update(Set.of(), Set.of(A, B, C), 5_000);
        assertThat(c.resume()).containsExactlyInAnyOrder(A, B);
        assertThat(p.count()).isZero();
    }

    @Test
    void aPausedPartitionThatMovedToAnotherTaskIsForgottenNotResumed() {
        PartitionPauses p = new PartitionPauses();
        p.update(Set.of(A), Set.of(A, B), 0);
        PartitionPauses.Changes c = p.update(Set.of(A), Set.of(B), 10);
        assertThat(c.pause()).isEmpty();
        assertThat(c.resume()).isEmpty();
        assertThat(c.pausedMs()).containsExactly(10L);
        assertThat(p.count()).isZero();
    }
}
