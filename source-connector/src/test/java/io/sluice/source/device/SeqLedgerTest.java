package io.sluice.source.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeqLedgerTest {

    @Test
    void theAcknowledgementCoversOnlyContiguousDoneSeqs() {
        SeqLedger l = new SeqLedger();
        for (long s = 1; s <= 5; s++) {
            l.take(s, false, 0);
        }
        assertThat(l.complete(2, 0, SeqLedger.LatencySink.NONE)).isEqualTo(-1);
        assertThat(l.complete(3, 0, SeqLedger.LatencySink.NONE)).isEqualTo(-1);
        assertThat(l.acked()).isZero();
        assertThat(l.complete(1, 0, SeqLedger.LatencySink.NONE)).isEqualTo(3);
        assertThat(l.complete(5, 0, SeqLedger.LatencySink.NONE)).isEqualTo(-1);
        assertThat(l.complete(4, 0, SeqLedger.LatencySink.NONE)).isEqualTo(5);
        assertThat(l.pending()).isZero();
    }

    @Test
    void rejectedSeqsArePassedOverAndGapsInTheDevicesNumberingAreFine() {
        SeqLedger l = new SeqLedger();
        l.startAfter(10);
        assertThat(l.isDuplicate(10)).isTrue();
        l.take(11, false, 0);
        assertThat(l.take(12, true, 0)).isEqualTo(-1);
        l.take(20, false, 0);
        assertThat(l.complete(11, 0, SeqLedger.LatencySink.NONE)).isEqualTo(12);
        assertThat(l.complete(20, 0, SeqLedger.LatencySink.NONE)).isEqualTo(20);
        assertThat(l.take(21, true, 0)).isEqualTo(21);
    }

    @Test
    void untakeWithdrawsTheLastPendingSeq() {
        SeqLedger l = new SeqLedger();
        l.take(1, false, 0);
        long before = l.highest();
        l.take(2, false, 0);
        l.untake(2, before);
        assertThat(l.highest()).isEqualTo(1);
        assertThat(l.isDuplicate(2)).isFalse();
        assertThat(l.complete(1, 0, SeqLedger.LatencySink.NONE)).isEqualTo(1);
    }

    @Test
    void completionsInAnyOrderEndAtTheHighestSeqAndReportEveryLatencyOnce() {
        SeqLedger l = new SeqLedger();
        List<Long> seqs = new ArrayList<>();
        for (long s = 1; s <= 1000; s++) {
            l.take(s, false, 100);
            seqs.add(s);
        }
        Collections.shuffle(seqs, new Random(7));
        List<Long> latencies = new ArrayList<>();
        long last = 0;
        for (long s : seqs) {
            long a = l.complete(s, 150, latencies::add);
            if (a >= 0) {
                assertThat(a).isGreaterThan(last);
                last = a;
            }
        }
        assertThat(l.acked()).isEqualTo(1000);
        assertThat(latencies).hasSize(1000).containsOnly(50L);
        assertThat(l.complete(5, 0, SeqLedger.LatencySink.NONE)).as("already done").isEqualTo(-1);
    }
}
