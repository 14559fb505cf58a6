package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The harness check every backend runs: produce numbered records, read every one back. */
final class RoundTrip {
    private RoundTrip() {
    }

    static void produceAndConsumeEveryRecord(TestKafka kafka, int records) throws Exception {
        String topic = TestKafka.uniqueName("roundtrip");
        kafka.createTopic(topic, 3);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, ("k" + (i % 7)).getBytes(StandardCharsets.UTF_8),
                        Integer.toString(i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = kafka.consume(topic, records, Duration.ofSeconds(30));
        Set<Integer> values = got.stream().map(r -> Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)))
                .collect(Collectors.toSet());
        assertThat(got).hasSize(records);
        assertThat(values).hasSize(records).allMatch(v -> v >= 0 && v < records);
    }
}
