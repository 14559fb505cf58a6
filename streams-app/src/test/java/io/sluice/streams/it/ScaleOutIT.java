package io.sluice.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.streams.StreamsApp;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** N instances with one application id share the partitions; a second one joining mid-stream loses and repeats nothing. */
@ExtendWith(SharedKafka.class)
class ScaleOutIT {

    @Test
    void aSecondInstanceJoiningMidStreamTakesPartitionsAndEveryReadingIsCountedOnce(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "scale", 4);
        String appId = TestKafka.uniqueName("scale-app");
        Map<String, String> s = ItSupport.appSettings(kafka, t, appId);
        s.put("window.size.ms", "5000");
        s.put("window.grace.ms", "1000");
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        s.put("max.poll.records", "100");
        s.put("buffered.records.per.partition", "100");
        // a new instance without state may take active tasks at once (restoring them), no warm-up phase
        s.put("streams.acceptable.recovery.lag", "1000000000");
        Random rnd = new Random(9);
        long base = System.currentTimeMillis() - 60_000;
        List<ItSupport.Sent> sent = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            for (int d = 0; d < 300; d++) {
                sent.add(new ItSupport.Sent("dev-" + d, "m", base + i * 100L, rnd.nextInt(1000)));
            }
        }
        int half = sent.size() / 2;
        Map<String, String> second = new java.util.HashMap<>(s);
        second.put("state.dir", ItSupport.tempDir("scale-b").toString());
        try (StreamsApp a = ItSupport.start(s); KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            for (int i = 0; i < half; i++) {
                ItSupport.send(p, t.input(), null, sent.get(i), i);
            }
            p.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> a.metrics().getReadings() == half);
            try (StreamsApp b = ItSupport.start(second)) {
                // the windows open on the first instance move with their partitions (state from the changelog)
                await().atMost(Duration.ofSeconds(60)).until(() -> b.streams().metadataForLocalThreads().stream()
                        .mapToInt(m -> m.activeTasks().size()).sum() > 0 && b.running() && a.running());
                for (int i = half; i < sent.size(); i++) {
                    ItSupport.send(p, t.input(), null, sent.get(i), i);
                }
                p.flush();
                List<Aggregate> finals = ItSupport.finals(kafka, t.output(), sent.size(), Duration.ofSeconds(120));
                assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(sent.size());
                Set<String> keys = new HashSet<>();
                finals.forEach(f -> assertThat(keys.add(f.key())).as("one final per window: %s", f.key()).isTrue());
                assertThat(keys).isEqualTo(ItSupport.byTumblingWindow(sent, 5000).keySet());
                assertThat(b.metrics().getReadings()).as("the second instance took over partitions").isPositive();
                assertThat(a.metrics().getLateReadings() + b.metrics().getLateReadings()).isZero();
            }
        }
    }
}
