package io.sluice.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.streams.StreamsApp;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class AggregationIT {
    private static final long WINDOW = 5_000;

    /** 500 devices x 200 readings, event times from 60 s ago in steps of 100 ms, shuffled a little. */
    private static List<ItSupport.Sent> readings(long base, int devices, int perDevice, Random rnd) {
        List<ItSupport.Sent> out = new ArrayList<>(devices * perDevice);
        for (int i = 0; i < perDevice; i++) {
            for (int d = 0; d < devices; d++) {
                out.add(new ItSupport.Sent("dev-" + d, "temp", base + i * 100L + rnd.nextInt(50),
                        Math.round(rnd.nextGaussian() * 1000) / 100.0));
            }
        }
        return out;
    }

    private static void assertEqualToRecomputation(List<Aggregate> finals, List<ItSupport.Sent> sent) {
        Map<String, List<Double>> expected = ItSupport.byTumblingWindow(sent, WINDOW);
        Set<String> keys = new HashSet<>();
        for (Aggregate a : finals) {
            assertThat(keys.add(a.key())).as("one final aggregate per window: %s", a.key()).isTrue();
            List<Double> vs = expected.get(a.key());
            assertThat(vs).as("window %s was sent", a.key()).isNotNull();
            assertThat(a.count()).as(a.key()).isEqualTo(vs.size());
            assertThat(a.min()).isEqualTo(vs.stream().mapToDouble(x -> x).min().orElseThrow());
            assertThat(a.max()).isEqualTo(vs.stream().mapToDouble(x -> x).max().orElseThrow());
            double mean = vs.stream().mapToDouble(x -> x).sum() / vs.size();
            assertThat(a.mean()).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(a.late()).isZero();
        }
        assertThat(keys).isEqualTo(expected.keySet());
    }

    @Test
    void hundredThousandReadingsFrom500DevicesAreEachCountedInExactlyOneFinalWindow(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "agg", 4);
        Map<String, String> s = ItSupport.appSettings(kafka, t, TestKafka.uniqueName("agg-app"));
        s.put("window.size.ms", String.valueOf(WINDOW));
        s.put("window.grace.ms", "1000");
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        long base = System.currentTimeMillis() - 60_000;
        List<ItSupport.Sent> sent = readings(base, 500, 200, new Random(1));
        int bad = 0;
        try (StreamsApp app = ItSupport.start(s); KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            long seq = 0;
            for (ItSupport.Sent r : sent) {
                ItSupport.send(p, t.input(), null, r, seq++);
                if (seq % 2_713 == 0) { // records that do not parse, in the middle of the stream
                    p.send(new ProducerRecord<>(t.input(), "dev-1".getBytes(StandardCharsets.UTF_8),
                            ("{\"device\":\"dev-1\",\"metric\":\"temp\",\"value\":\"hot\",\"n\":" + seq + "}")
                                    .getBytes(StandardCharsets.UTF_8)));
                    bad++;
                }
            }
            p.flush();
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), sent.size(), Duration.ofSeconds(90));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(100_000);
            assertEqualToRecomputation(finals, sent);
            assertThat(kafka.consume(t.dlq(), bad, Duration.ofSeconds(30))).hasSize(bad);
            assertThat(app.metrics().getDeadLetterRecords()).isEqualTo(bad);
            assertThat(app.metrics().getReadings()).isEqualTo(100_000);
            assertThat(app.metrics().getLateReadings()).isZero();
            assertThat(app.running()).as("bad records did not stop the app").isTrue();
        }
    }

    @Test
    void killedMidStreamWithExactlyOnceTheFinalAggregatesStillEqualTheRecomputation(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "eos", 3);
        String appId = TestKafka.uniqueName("eos-app");
        Map<String, String> s = ItSupport.appSettings(kafka, t, appId);
        s.put("processing.guarantee", "exactly_once_v2");
        s.put("window.size.ms", String.valueOf(WINDOW));
        s.put("window.grace.ms", "1000");
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        s.put("commit.interval.ms", "100");
        s.put("max.poll.records", "200");
        s.put("streams.transaction.timeout.ms", "5000");
        long base = System.currentTimeMillis() - 60_000;
        List<ItSupport.Sent> sent = readings(base, 200, 200, new Random(2));
        int half = sent.size() / 2;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            for (int i = 0; i < half; i++) {
                ItSupport.send(p, t.input(), null, sent.get(i), i);
            }
            p.flush();
        }
        // first run in its own JVM, killed with SIGKILL while it works through the first half
        Map<String, String> first = new java.util.HashMap<>(s);
        first.put("idle.close.ms", "600000"); // it must not close the last windows of the half by idleness
        Path props = Files.createTempFile("eos-app", ".properties");
        Files.writeString(props, first.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")));
        Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.sluice.streams.Main", "--config", props.toString())
                .redirectErrorStream(true).redirectOutput(new File("target/eos-first-run.log")).start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> ItSupport.groupLag(kafka, appId, t.input()) <= half / 2);
        } finally {
            proc.destroyForcibly().waitFor();
        }
        // the rest of the stream arrives while the app is down
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            for (int i = half; i < sent.size(); i++) {
                ItSupport.send(p, t.input(), null, sent.get(i), i);
            }
            p.flush();
        }
        assertThat(ItSupport.groupLag(kafka, appId, t.input())).as("killed mid-stream").isGreaterThan(half);
        // second run, a fresh state directory: state comes back from the changelogs
        s.put("state.dir", ItSupport.tempDir("eos-second").toString());
        try (StreamsApp app = ItSupport.start(s)) {
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), sent.size(), Duration.ofSeconds(120));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(sent.size());
            assertEqualToRecomputation(finals, sent);
            assertThat(app.metrics().getLateReadings()).isZero();
        }
    }
}
