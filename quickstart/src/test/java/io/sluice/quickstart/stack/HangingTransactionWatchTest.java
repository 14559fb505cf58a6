package io.sluice.quickstart.stack;

import static io.sluice.quickstart.stack.HangingTransactionWatch.isHanging;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class HangingTransactionWatchTest {
    private static final TopicPartition OFFSETS = new TopicPartition("connect-offsets", 0);
    private static final TopicPartition READINGS = new TopicPartition("readings", 1);
    private static final ProducerState OPEN = new ProducerState(1, 0, 4, 1_000, OptionalInt.of(0), OptionalLong.of(1337));

    private static Optional<TransactionDescription> coordinator(TransactionState state, int epoch, Set<TopicPartition> partitions) {
        return Optional.of(new TransactionDescription(1, state, 1, epoch, 10_000, OptionalLong.of(500), partitions));
    }

    @Test
    void aTransactionItsCoordinatorStillCarriesIsNotHanging() {
        for (TransactionState s : Set.of(TransactionState.ONGOING, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT)) {
            assertThat(isHanging(OFFSETS, OPEN, coordinator(s, 0, Set.of(OFFSETS, READINGS)))).as("%s", s).isFalse();
        }
    }

    @Test
    void aTransactionItsCoordinatorForgotOrMovedPastIsHanging() {
        // seen after a broker restart: the coordinator says Empty at a later epoch, the partition still has epoch 0 open
        assertThat(isHanging(OFFSETS, OPEN, coordinator(TransactionState.EMPTY, 1, Set.of()))).isTrue();
        assertThat(isHanging(OFFSETS, OPEN, coordinator(TransactionState.COMPLETE_ABORT, 0, Set.of()))).isTrue();
        assertThat(isHanging(OFFSETS, OPEN, coordinator(TransactionState.ONGOING, 2, Set.of(OFFSETS)))).as("a later transaction")
                .isTrue();
        assertThat(isHanging(OFFSETS, OPEN, coordinator(TransactionState.ONGOING, 0, Set.of(READINGS)))).as("not this partition")
                .isTrue();
        assertThat(isHanging(OFFSETS, OPEN, Optional.empty())).as("unknown producer").isTrue();
    }
}
