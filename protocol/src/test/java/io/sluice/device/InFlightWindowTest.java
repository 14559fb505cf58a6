package io.sluice.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.frame.Reading;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {
    private static InFlightWindow.ReadingFactory reading() {
        return seq -> new Reading(seq, 1, "m", 0);
    }

    @Test
    void boundedByRecordsAndBytes() throws Exception {
        InFlightWindow w = new InFlightWindow(3, 100);
        w.startAfter(0);
        assertThat(w.offer(reading(), 40, 0)).isEqualTo(1);
        assertThat(w.offer(reading(), 40, 0)).isEqualTo(2);
        assertThat(w.offer(reading(), 40, 0)).as("bytes full").isEqualTo(-1);
        assertThat(w.offer(reading(), 20, 0)).isEqualTo(3);
        assertThat(w.offer(reading(), 1, 0)).as("records full").isEqualTo(-1);
        assertThat(w.size()).isEqualTo(3);
        assertThat(w.bytes()).isEqualTo(100);
    }

    @Test
    void offersWaitForTheSeqBase() throws Exception {
        InFlightWindow w = new InFlightWindow(10, 1000);
        assertThat(w.offer(reading(), 1, 0)).isEqualTo(-1);
        w.startAfter(99);
        assertThat(w.offer(reading(), 1, 0)).isEqualTo(100);
    }

    @Test
    void drainAckAndRewind() throws Exception {
        InFlightWindow w = new InFlightWindow(10, 1000);
        w.startAfter(0);
        for (int i = 0; i < 5; i++) {
            w.offer(reading(), 10, 0);
        }
        List<Reading> first = w.drainUnsent(3, 1000);
        assertThat(first).extracting(Reading::seq).containsExactly(1L, 2L, 3L);
        assertThat(w.drainUnsent(10, 15)).extracting(Reading::seq).as("byte budget").containsExactly(4L);
        assertThat(w.ack(2)).isEqualTo(2);
        assertThat(w.rewind()).isEqualTo(2);
        assertThat(w.drainUnsent(10, 1000)).extracting(Reading::seq).containsExactly(3L, 4L, 5L);
        assertThat(w.ack(5)).isEqualTo(3);
        assertThat(w.size()).isZero();
        assertThat(w.bytes()).isZero();
    }

    @Test
    void aFullWindowBlocksUntilAnAckAndFailureWakesEveryone() throws Exception {
        InFlightWindow w = new InFlightWindow(1, 1000);
        w.startAfter(0);
        w.offer(reading(), 1, 0);
        CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return w.offer(reading(), 1, TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        w.ack(1);
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo(2);

        CompletableFuture<Long> blocked2 = CompletableFuture.supplyAsync(() -> {
            try {
                return w.offer(reading(), 1, TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        w.fail(new IllegalStateException("gone"));
        assertThatThrownBy(() -> blocked2.get(10, TimeUnit.SECONDS)).hasMessageContaining("gone");
    }
}
