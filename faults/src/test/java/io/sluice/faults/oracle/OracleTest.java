package io.sluice.faults.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OracleTest {
    private static final long W = 1000;

    private static DeviceReading r(String device, long seq, long ts, double v) {
        return new DeviceReading(device, new Reading(seq, ts, "t", v));
    }

    private static Aggregate fin(String device, long start, long count, double sum, double min, double max) {
        return new Aggregate(device, "t", Map.of(), Aggregate.TUMBLING, start, start + W, true, "stream_time", count, sum, min, max,
                sum / count, null, null, null, Map.of(), 0, 0);
    }

    /** Device d-1 sends seqs 1..4 (ts 0, 500, 1000, 1500), all acked and in the topic, two windows emitted and delivered. */
    private static Oracle complete() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 4, 4);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 500, 2));
        o.reading(r("d-1", 3, 1000, 3));
        o.reading(r("d-1", 4, 1500, 4));
        o.aggregate(0, 10, fin("d-1", 0, 2, 3, 1, 2));
        o.aggregate(0, 11, fin("d-1", 1000, 2, 7, 3, 4));
        o.delivered("p", 0, 10, fin("d-1", 0, 2, 3, 1, 2));
        o.delivered("p", 0, 11, fin("d-1", 1000, 2, 7, 3, 4));
        return o;
    }

    @Test
    void aCompleteRunHasNothingLostAndExactWindows() {
        Oracle.Verdict v = complete().verdict();
        assertThat(v.sent()).isEqualTo(4);
        assertThat(v.acked()).isEqualTo(4);
        assertThat(v.inTopic()).isEqualTo(4);
        assertThat(v.lost()).isZero();
        assertThat(v.duplicates()).isZero();
        assertThat(v.counted()).isEqualTo(4);
        assertThat(v.nothingLost()).isTrue();
        assertThat(v.everyReadingCounted()).isTrue();
        assertThat(v.windowsExact()).isTrue();
        assertThat(v.peers()).singleElement().satisfies(p -> {
            assertThat(p.delivered()).isEqualTo(2);
            assertThat(p.missing()).isZero();
            assertThat(p.countDelivered()).isEqualTo(4);
        });
    }

    @Test
    void anAcknowledgedSeqMissingFromTheTopicIsLostButAnUnacknowledgedOneIsOnlyAGap() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 5, 3);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 3, 10, 1));
        o.reading(r("d-1", 4, 20, 1));
        Oracle.Verdict v = o.verdict();
        assertThat(v.gaps()).isEqualTo(2); // 2 and 5
        assertThat(v.lost()).isEqualTo(1); // 2 only: 5 was never acknowledged
        assertThat(v.nothingLost()).isFalse();
        assertThat(v.devices()).singleElement().satisfies(d -> assertThat(d.lost()).isEqualTo(1));
    }

    @Test
    void duplicateCopiesAreCountedAndTheWindowsMustCountThemToo() {
        Oracle o = complete();
        o.reading(r("d-1", 2, 500, 2)); // a second copy, as an at-least-once source writes after a crash
        Oracle.Verdict v = o.verdict();
        assertThat(v.duplicates()).isEqualTo(1);
        assertThat(v.inTopic()).isEqualTo(4);
        assertThat(v.lost()).isZero();
        // the Streams app saw 5 records; its window [0,1000) said 2: under-counted by one
        assertThat(v.windowsExact()).isFalse();
        assertThat(v.underCount()).isEqualTo(1);
        assertThat(v.everyReadingCounted()).isFalse();
    }

    @Test
    void anOverCountingWindowIsReportedWithItsExcess() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 2, 2);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 100, 2));
        o.aggregate(0, 1, fin("d-1", 0, 2, 3, 1, 2));
        o.aggregate(0, 2, fin("d-1", 0, 3, 5, 1, 2)); // emitted again after a restart, counting a reading twice
        Oracle.Verdict v = o.verdict();
        assertThat(v.repeatedFinals()).isEqualTo(1);
        assertThat(v.overCount()).isEqualTo(1);
        assertThat(v.diffs()).singleElement().satisfies(d -> assertThat(d.what()).isEqualTo("count"));
    }

    @Test
    void aWrongSumWithTheRightCountIsADifference() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 2, 2);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 100, 2));
        o.aggregate(0, 1, fin("d-1", 0, 2, 4, 1, 2));
        assertThat(o.verdict().diffs()).singleElement().satisfies(d -> assertThat(d.what()).startsWith("sum/min/max"));
    }

    @Test
    void lateReadingsAreLeftOutOfTheRecomputationAndAccountedSeparately() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 3, 3);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 2000, 2));
        o.reading(r("d-1", 3, 10, 5)); // arrived after the grace of [0,1000)
        o.late(r("d-1", 3, 10, 5));
        o.aggregate(0, 1, fin("d-1", 0, 1, 1, 1, 1));
        o.aggregate(0, 2, fin("d-1", 2000, 1, 2, 2, 2));
        Oracle.Verdict v = o.verdict();
        assertThat(v.late()).isEqualTo(1);
        assertThat(v.counted()).isEqualTo(2);
        assertThat(v.everyReadingCounted()).isTrue();
        assertThat(v.windowsExact()).isTrue();
    }

    @Test
    void aReplayedCopyThatArrivesLateLeavesItsOnTimeCopyCounted() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 2, 2);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 10, 4));
        o.reading(r("d-1", 2, 10, 4)); // replayed by an at-least-once source after the grace of [0,1000)
        o.late(r("d-1", 2, 10, 4));
        o.aggregate(0, 1, fin("d-1", 0, 2, 5, 1, 4)); // the on-time copy of seq 2 is counted
        Oracle.Verdict v = o.verdict();
        assertThat(v.duplicates()).isEqualTo(1);
        assertThat(v.late()).isEqualTo(1);
        assertThat(v.counted()).isEqualTo(2);
        assertThat(v.everyReadingCounted()).isTrue();
        assertThat(v.windowsExact()).isTrue();
    }

    @Test
    void aLateRecordAnAtLeastOnceAppWroteAgainIsReportedNotCountedAsAnotherCopy() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 2, 2);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 10, 4)); // one copy in the readings topic, late
        o.late(r("d-1", 2, 10, 4));
        o.late(r("d-1", 2, 10, 4)); // written again when the app reprocessed after a crash
        o.aggregate(0, 1, fin("d-1", 0, 1, 1, 1, 1));
        Oracle.Verdict v = o.verdict();
        assertThat(v.late()).isEqualTo(1);
        assertThat(v.lateRepeated()).isEqualTo(1);
        assertThat(v.everyReadingCounted()).isTrue();
        assertThat(v.windowsExact()).isTrue();
        assertThat(VerdictText.render(v)).contains("late 1 (and 1 late records written twice)");
    }

    @Test
    void aWindowStillOpenIsMissingNotExact() {
        Oracle o = new Oracle(W, "d-");
        o.sent("d-1", 1, 1, 1);
        o.reading(r("d-1", 1, 0, 1));
        Oracle.Verdict v = o.verdict();
        assertThat(v.windowsMissing()).isEqualTo(1);
        assertThat(v.windowsExact()).isFalse();
        assertThat(v.everyReadingCounted()).isFalse();
    }

    @Test
    void peersMissingAndDuplicatedRecordsAreFoundByPartitionAndOffset() {
        Oracle o = complete();
        o.delivered("p", 0, 10, fin("d-1", 0, 2, 3, 1, 2)); // redelivered after a restart
        o.delivered("q", 0, 11, fin("d-1", 1000, 2, 7, 3, 4)); // q never got offset 10
        o.unreadable("q");
        Oracle.Verdict v = o.verdict();
        List<Oracle.PeerLine> peers = new ArrayList<>(v.peers());
        assertThat(peers).extracting(Oracle.PeerLine::peer).containsExactly("p", "q");
        assertThat(peers.get(0).duplicates()).isEqualTo(1);
        assertThat(peers.get(0).missing()).isZero();
        assertThat(peers.get(1).missing()).isEqualTo(1);
        assertThat(peers.get(1).unreadable()).isEqualTo(1);
        assertThat(v.nothingLost()).isFalse();
        assertThat(v.peerDuplicates()).isEqualTo(1);
    }

    @Test
    void aRecordAPeerGotThatIsNotACommittedFinalWindowIsCountedApart() {
        Oracle o = complete();
        o.delivered("p", 0, 12, fin("d-1", 1000, 2, 7, 3, 4)); // offset 12: an aborted transaction's copy
        Oracle.PeerLine p = o.verdict().peers().get(0);
        assertThat(p.notCommitted()).isEqualTo(1);
        assertThat(p.delivered()).isEqualTo(2);
        assertThat(p.missing()).isZero();
        assertThat(VerdictText.render(o.verdict())).contains("NOT COMMITTED in the topic 1");
    }

    @Test
    void aFinalEmittedAgainByAnAtLeastOnceAppIsInTheTopicNotUncommitted() {
        Oracle o = complete();
        o.aggregate(1, 5, fin("d-1", 1000, 2, 7, 3, 4)); // the same window again after a restart: it wins
        o.delivered("p", 1, 5, fin("d-1", 1000, 2, 7, 3, 4));
        Oracle.Verdict v = o.verdict();
        Oracle.PeerLine p = v.peers().get(0);
        assertThat(v.repeatedFinals()).isEqualTo(1);
        assertThat(p.notCommitted()).isZero();
        assertThat(p.missing()).isZero();
    }

    @Test
    void otherRunsDevicesAreIgnored() {
        Oracle o = complete();
        o.reading(r("other-1", 1, 0, 1));
        o.aggregate(1, 5, fin("other-1", 0, 1, 1, 1, 1));
        o.delivered("p", 1, 5, fin("other-1", 0, 1, 1, 1, 1));
        Oracle.Verdict v = o.verdict();
        assertThat(v.inTopic()).isEqualTo(4);
        assertThat(v.windows()).isEqualTo(2);
        assertThat(v.peers().get(0).delivered()).isEqualTo(2);
    }

    @Test
    void theTextNamesLossAndDifferences() {
        Oracle o = complete();
        o.sent("d-2", 1, 1, 1);
        String text = VerdictText.render(o.verdict());
        assertThat(text).contains("LOST 1").contains("device d-2").contains("peer p: 2 of 2 final windows");
    }

    /** d-1 at 0 and 2000, then a reading for [0,1000) its device had passed; d-2 behind d-1 by a window. */
    private static Oracle perDeviceRun(boolean appSaysLate) {
        Oracle o = new Oracle(W, "d-").closingPerDevice(0);
        o.sent("d-1", 1, 3, 3);
        o.sent("d-2", 1, 1, 1);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 2000, 2));
        o.reading(r("d-2", 1, 10, 7));   // behind d-1 by more than a window: not late per device
        o.reading(r("d-1", 3, 10, 5));   // d-1 had passed [0,1000): late per device
        if (appSaysLate) {
            o.late(r("d-1", 3, 10, 5));
            o.aggregate(0, 1, fin("d-1", 0, 1, 1, 1, 1));
        } else {
            o.aggregate(0, 1, fin("d-1", 0, 2, 6, 1, 5)); // an app that counted it
        }
        o.aggregate(0, 2, fin("d-1", 2000, 1, 2, 2, 2));
        o.aggregate(0, 3, fin("d-2", 0, 1, 7, 7, 7));
        return o;
    }

    @Test
    void closingPerDeviceTheRecomputationFollowsTheDeviceRuleItself() {
        Oracle.Verdict v = perDeviceRun(true).verdict();
        assertThat(v.lateByDevice()).isEqualTo(1);
        assertThat(v.lateOtherwise()).isZero();
        assertThat(v.everyReadingCounted()).isTrue();
        assertThat(v.windowsExact()).isTrue();

        Oracle.Verdict wrong = perDeviceRun(false).verdict();
        assertThat(wrong.lateByDevice()).isEqualTo(1);
        assertThat(wrong.windowsExact()).as("the app counted a reading its device had passed").isFalse();
        assertThat(wrong.overCount()).isEqualTo(1);
    }

    @Test
    void closingPerDeviceALateCopyTheDeviceRuleDoesNotExplainIsCountedApart() {
        Oracle o = new Oracle(W, "d-").closingPerDevice(0);
        o.sent("d-1", 1, 2, 2);
        o.reading(r("d-1", 1, 0, 1));
        o.reading(r("d-1", 2, 500, 2));  // the device has not passed [0,1000): late only by idle close or the bound
        o.late(r("d-1", 2, 500, 2));
        o.aggregate(0, 1, fin("d-1", 0, 1, 1, 1, 1));
        Oracle.Verdict v = o.verdict();
        assertThat(v.lateByDevice()).isZero();
        assertThat(v.lateOtherwise()).isEqualTo(1);
        assertThat(v.windowsExact()).isTrue();
        assertThat(v.everyReadingCounted()).isTrue();
    }
}
