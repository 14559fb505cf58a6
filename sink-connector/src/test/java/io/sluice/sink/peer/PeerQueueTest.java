package io.sluice.sink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.frame.DeliveredRecord;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PeerQueueTest {
    static DeliveredRecord rec(long offset, int valueBytes) {
        return new DeliveredRecord("t", 0, offset, 0, new byte[0], new byte[valueBytes]);
    }

    @Test
    void refusesBeyondEitherBoundAndKeepsOrder() {
        PeerQueue q = new PeerQueue(3, 10_000, 0.8, 0.4);
        assertThat(q.offer(rec(0, 1))).isTrue();
        assertThat(q.offer(rec(1, 1))).isTrue();
        assertThat(q.offer(rec(2, 1))).isTrue();
        assertThat(q.offer(rec(3, 1))).isFalse();
        assertThat(q.poll(10, 1_000_000)).extracting(DeliveredRecord::offset).containsExactly(0L, 1L, 2L);

        int size = PeerQueue.sizeOf(rec(0, 100));
        PeerQueue byBytes = new PeerQueue(100, 2L * size, 0.8, 0.4);
        assertThat(byBytes.offer(rec(0, 100))).isTrue();
        assertThat(byBytes.offer(rec(1, 100))).isTrue();
        assertThat(byBytes.offer(rec(2, 100))).isFalse();
        assertThat(byBytes.bytes()).isEqualTo(2L * size);
    }

    @Test
    void slowBetweenHighAndLowMarks() {
        PeerQueue q = new PeerQueue(10, 1_000_000, 0.8, 0.4);
        for (int i = 0; i < 7; i++) {
            q.offer(rec(i, 1));
        }
        assertThat(q.slow()).isFalse();
        q.offer(rec(7, 1));
        assertThat(q.slow()).isTrue();
        q.poll(3, Long.MAX_VALUE); // 5 left: above the low mark of 4
        assertThat(q.slow()).isTrue();
        q.poll(1, Long.MAX_VALUE);
        assertThat(q.slow()).isFalse();
        assertThat(q.atOrBelowLow()).isTrue();
    }

    @Test
    void dropOldestMakesRoomAndCounts() {
        PeerQueue q = new PeerQueue(3, 1_000_000, 0.8, 0.4);
        for (int i = 0; i < 3; i++) {
            q.offer(rec(i, 1));
        }
        assertThat(q.dropOldestFor(PeerQueue.sizeOf(rec(3, 1)))).isEqualTo(1);
        assertThat(q.offer(rec(3, 1))).isTrue();
        assertThat(q.poll(10, Long.MAX_VALUE)).extracting(DeliveredRecord::offset).containsExactly(1L, 2L, 3L);
    }

    @Test
    void pollRespectsTheBatchByteBudgetButAlwaysTakesOne() {
        PeerQueue q = new PeerQueue(10, 1_000_000, 0.8, 0.4);
        q.offer(rec(0, 500));
        q.offer(rec(1, 500));
        assertThat(q.poll(10, 100)).hasSize(1);
        assertThat(q.poll(10, 2_000)).hasSize(1);
        assertThat(q.poll(10, 2_000)).isEmpty();
    }

    @Test
    void rejectsBadMarks() {
        assertThatThrownBy(() -> new PeerQueue(10, 10, 0.5, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 200)
    void neverExceedsItsBoundsAndLosesNothingItAccepted(@ForAll @Size(max = 300) List<@IntRange(min = 0, max = 400) Integer> sizes,
            @ForAll @IntRange(min = 1, max = 50) int maxRecords, @ForAll @IntRange(min = 500, max = 5_000) int maxBytes) {
        PeerQueue q = new PeerQueue(maxRecords, maxBytes, 0.8, 0.4);
        long accepted = 0;
        long taken = 0;
        long offset = 0;
        for (int s : sizes) {
            if (q.offer(rec(offset, s))) {
                accepted++;
                offset++;
            } else {
                List<DeliveredRecord> batch = q.poll(7, 1_000);
                for (DeliveredRecord r : batch) {
                    assertThat(r.offset()).isEqualTo(taken);
                    taken++;
                }
            }
            assertThat(q.size()).isLessThanOrEqualTo(maxRecords);
            assertThat(q.bytes()).isLessThanOrEqualTo(maxBytes);
        }
        taken += q.poll(Integer.MAX_VALUE, Long.MAX_VALUE).size();
        assertThat(taken).isEqualTo(accepted);
        assertThat(q.bytes()).isZero();
    }
}
