package io.sluice.streams.it;

import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.AggregateJson;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.protocol.telemetry.DeviceReading;
import io.sluice.streams.StreamsApp;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** What the streams-app ITs share: topics, readings in, aggregates out, a recomputation to compare with. */
final class ItSupport {
    private ItSupport() {
    }

    /** One reading as produced, for the recomputation. */
    record Sent(String device, String metric, long ts, double value) {
    }

    record Topics(String input, String output, String late, String dlq) {
        static Topics create(TestKafka kafka, String name, int partitions) {
            Topics t = new Topics(TestKafka.uniqueName(name + "-in"), TestKafka.uniqueName(name + "-out"),
                    TestKafka.uniqueName(name + "-late"), TestKafka.uniqueName(name + "-dlq"));
            kafka.createTopic(t.input, partitions);
            kafka.createTopic(t.output, partitions);
            kafka.createTopic(t.late, 1);
            kafka.createTopic(t.dlq, 1);
            return t;
        }
    }

    static Map<String, String> appSettings(TestKafka kafka, Topics t, String appId) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", kafka.bootstrapServers());
        m.put("application.id", appId);
        m.put("input.topic", t.input());
        m.put("output.topic", t.output());
        m.put("late.topic", t.late());
        m.put("dead.letter.topic", t.dlq());
        m.put("state.dir", Files.createTempDirectory("sluice-it-state").toString());
        m.put("commit.interval.ms", "200");
        m.put("streams.replication.factor", "1");
        m.put("streams.session.timeout.ms", "6000");
        m.put("streams.heartbeat.interval.ms", "1500");
        m.put("rocksdb.memory.bytes", String.valueOf(32L << 20));
        m.put("rocksdb.memtable.bytes", String.valueOf(8L << 20));
        return m;
    }

    static StreamsApp start(Map<String, String> settings) {
        StreamsApp app = new StreamsApp(new StreamsAppConfig(settings));
        app.start();
        return app;
    }

    static KafkaProducer<byte[], byte[]> producer(TestKafka kafka) {
        return kafka.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024));
    }

    static void send(KafkaProducer<byte[], byte[]> p, String topic, Integer partition, Sent s, long seq) {
        byte[] value = TelemetryJson.format(new DeviceReading(s.device(), new Reading(seq, s.ts(), s.metric(), s.value())));
        p.send(new ProducerRecord<>(topic, partition, s.ts(), s.device().getBytes(StandardCharsets.UTF_8), value));
    }

    /** Reads the whole output topic (read_committed) and keeps the final aggregates. */
    static List<Aggregate> finals(TestKafka kafka, String topic, long expectedCount, Duration timeout) {
        List<Aggregate> finals = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long counted = 0;
            while (counted < expectedCount && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Aggregate a = AggregateJson.parse(r.value());
                    if (a.isFinal()) {
                        finals.add(a);
                        counted += a.count();
                    }
                }
            }
        }
        return finals;
    }

    /** Per key (device/metric/windowStart) of tumbling windows: the readings' values. */
    static Map<String, List<Double>> byTumblingWindow(List<Sent> sent, long size) {
        Map<String, List<Double>> m = new HashMap<>();
        for (Sent s : sent) {
            long start = Math.floorDiv(s.ts(), size) * size;
            m.computeIfAbsent(s.device() + "/" + s.metric() + "/" + start, k -> new ArrayList<>()).add(s.value());
        }
        return m;
    }

    /** Total records the group still has to read on the topic. */
    static long groupLag(TestKafka kafka, String group, String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    static Path tempDir(String prefix) throws Exception {
        return Files.createTempDirectory(prefix);
    }
}
