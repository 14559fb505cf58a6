package io.sluice.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.streams.StreamsApp;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Devices deliberately behind, on a real broker: one device's backlog reaches the topic seconds
 * after the other devices' readings of the same minute (more than window plus grace in event time).
 */
@ExtendWith(SharedKafka.class)
class DevicesBehindIT {
    private static final long WINDOW = 5_000;
    private static final int FAST_DEVICES = 20;
    private static final int PER_DEVICE = 300; // 30 s of event time, one reading every 100 ms

    private static List<ItSupport.Sent> minute(String device, long base) {
        List<ItSupport.Sent> out = new ArrayList<>(PER_DEVICE);
        for (int i = 0; i < PER_DEVICE; i++) {
            out.add(new ItSupport.Sent(device, "temp", base + i * 100L, i));
        }
        return out;
    }

    /** The fast devices' readings, processed; then the slow device's backlog; returns every reading sent. */
    private static List<ItSupport.Sent> fastThenBacklog(TestKafka kafka, ItSupport.Topics t, StreamsApp app, long base) {
        List<ItSupport.Sent> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            long seq = 0;
            for (int i = 0; i < PER_DEVICE; i++) { // the fast devices side by side in event time
                for (int d = 0; d < FAST_DEVICES; d++) {
                    ItSupport.Sent r = minute("fast-" + d, base).get(i);
                    ItSupport.send(p, t.input(), 0, r, seq++);
                    sent.add(r);
                }
            }
            p.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.metrics().getReadings() == FAST_DEVICES * PER_DEVICE);
            for (ItSupport.Sent r : minute("slow", base)) {
                ItSupport.send(p, t.input(), 0, r, seq++);
                sent.add(r);
            }
            p.flush();
        }
        return sent;
    }

    private static Map<String, String> settings(TestKafka kafka, ItSupport.Topics t, String close) throws Exception {
        Map<String, String> s = ItSupport.appSettings(kafka, t, TestKafka.uniqueName("behind-" + close));
        s.put("window.close", close);
        s.put("window.size.ms", String.valueOf(WINDOW));
        s.put("window.grace.ms", "1000");
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        return s;
    }

    @Test
    void aBacklogArrivingAfterTheOthersIsCountedWhenClosingPerDeviceAndLateWhenClosingByStreamTime(TestKafka kafka)
            throws Exception {
        long base = Math.floorDiv(System.currentTimeMillis() - 120_000, WINDOW) * WINDOW;
        long total = (FAST_DEVICES + 1L) * PER_DEVICE;

        ItSupport.Topics perDevice = ItSupport.Topics.create(kafka, "behind-pd", 1);
        try (StreamsApp app = ItSupport.start(settings(kafka, perDevice, "per_device"))) {
            fastThenBacklog(kafka, perDevice, app, base);
            List<Aggregate> finals = ItSupport.finals(kafka, perDevice.output(), total, Duration.ofSeconds(60));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(total);
            assertThat(finals.stream().filter(a -> a.device().equals("slow")).mapToLong(Aggregate::count).sum())
                    .isEqualTo(PER_DEVICE);
            assertThat(app.metrics().getLateReadings()).isZero();
            // the slow device's windows but its last closed by its own readings, not by idle close
            assertThat(finals).filteredOn(a -> a.device().equals("slow") && "device".equals(a.closedBy())).hasSize(5);
        }

        ItSupport.Topics byStreamTime = ItSupport.Topics.create(kafka, "behind-st", 1);
        Map<String, String> st = settings(kafka, byStreamTime, "stream_time");
        st.put("idle.close.ms", "0"); // an idle close between the two phases would make more of the backlog late
        try (StreamsApp app = ItSupport.start(st)) {
            fastThenBacklog(kafka, byStreamTime, app, base);
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
                ItSupport.send(p, byStreamTime.input(), 0, new ItSupport.Sent("closer", "temp", base + 60_000, 0), 0);
            }
            // stream time is at 29.9 s: the backlog's windows ending at or before 28.9 s (five of six) are closed
            long late = 5L * (WINDOW / 100);
            List<Aggregate> finals = ItSupport.finals(kafka, byStreamTime.output(), total - late, Duration.ofSeconds(60));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(total - late);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.metrics().getLateReadings() == late);
            assertThat(kafka.consume(byStreamTime.late(), (int) late, Duration.ofSeconds(30))).hasSize((int) late);
        }
    }

    /**
     * What a device has passed is in the changelogged state: after a restart on a fresh state
     * directory, a reading for a window its device passed before is late, and every other reading
     * is counted once.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at_least_once", "exactly_once_v2"})
    void whatADevicePassedSurvivesARestart(String guarantee, TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "behind-restart", 2);
        Map<String, String> s = settings(kafka, t, "per_device");
        s.put("processing.guarantee", guarantee);
        s.put("commit.interval.ms", "100");
        s.put("idle.close.ms", "0"); // the window each device is in stays open across the restart
        long base = Math.floorDiv(System.currentTimeMillis() - 120_000, WINDOW) * WINDOW;
        List<ItSupport.Sent> first = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            first.addAll(minute("dev-" + d, base).subList(0, 200)); // 20 s: windows up to 15 s are passed
        }
        try (StreamsApp app = ItSupport.start(s); KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            long seq = 0;
            for (ItSupport.Sent r : first) {
                ItSupport.send(p, t.input(), null, r, seq++);
            }
            p.flush();
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), 10 * 150, Duration.ofSeconds(60));
            assertThat(finals).hasSize(10 * 3).allMatch(a -> "device".equals(a.closedBy()));
            await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.groupLag(kafka, s.get("application.id"),
                    t.input()) == 0);
        }
        s.put("state.dir", ItSupport.tempDir("behind-restart-second").toString());
        s.put("idle.close.ms", "2000"); // now the last windows close once the devices are quiet
        try (StreamsApp app = ItSupport.start(s); KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            long seq = 1_000_000;
            for (int d = 0; d < 10; d++) {
                // one reading into a window the device passed before the restart, then the rest of its minute
                ItSupport.send(p, t.input(), null, new ItSupport.Sent("dev-" + d, "temp", base + 1_000, -1), seq++);
                for (ItSupport.Sent r : minute("dev-" + d, base).subList(200, PER_DEVICE)) {
                    ItSupport.send(p, t.input(), null, r, seq++);
                }
            }
            p.flush();
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), 10L * PER_DEVICE, Duration.ofSeconds(60));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(10L * PER_DEVICE);
            assertThat(finals.stream().map(Aggregate::key).distinct().count()).as("one final per window")
                    .isEqualTo(finals.size()).isEqualTo(10 * 6);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.metrics().getLateReadings() == 10);
            assertThat(kafka.consume(t.late(), 10, Duration.ofSeconds(30))).hasSize(10);
        }
    }
}
