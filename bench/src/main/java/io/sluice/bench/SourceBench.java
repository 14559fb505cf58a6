package io.sluice.bench;

import io.sluice.device.sim.DeviceFleet;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Readings per second into Kafka through the source connector (simulated devices, batch frames
 * and one reading per frame; a reading counts once the device has its acknowledgement, so it is
 * in Kafka) against {@code ProducerPerformance} with the connector's average record size, on a
 * fresh topic with the same settings (one partition), in the same run, pair by pair.
 */
final class SourceBench {
    static final String SECTION = "source";

    private final BenchStack stack;
    private final Figures figures;
    private final BenchCommand.Sizes sizes;
    private int run;

    SourceBench(BenchStack stack, Figures figures, BenchCommand.Sizes sizes) {
        this.stack = stack;
        this.figures = figures;
        this.sizes = sizes;
    }

    void run(int runs) throws Exception {
        String connect = "ProducerPerformance, Connect's producer settings (acks=all, 1 in flight)";
        Figures.Pair batchJson = figures.pair(SECTION, "batch frames (500 readings), `record.value.format=json`, no headers vs " + connect,
                "connector", "ProducerPerformance", "records/s", "≥ 0.8");
        Figures.Pair singleJson = figures.pair(SECTION, "one reading per frame, `json`, no headers vs " + connect, "connector",
                "ProducerPerformance", "records/s", null);
        Figures.Pair batchStruct = figures.pair(SECTION, "batch frames, defaults (`struct` through JsonConverter, headers) vs " + connect,
                "connector", "ProducerPerformance", "records/s", null);
        Figures.Pair singleStruct = figures.pair(SECTION, "one reading per frame, defaults vs " + connect, "connector",
                "ProducerPerformance", "records/s", null);
        Figures.Pair batchJsonDefaults = figures.pair(SECTION, "batch frames, `json`, no headers vs ProducerPerformance, producer "
                + "defaults (acks=all, 5 in flight)", "connector", "ProducerPerformance", "records/s", null);
        Figures.Series size = figures.series(SECTION, "record value size (the readings' JSON, used for ProducerPerformance)", "bytes");
        Map<String, String> json = Map.of("record.value.format", "json", "record.headers.enabled", "false", "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter");
        for (int i = 0; i < runs; i++) {
            double[] bj = connectorRun(500, json);
            double[] sj = connectorRun(1, json);
            double[] bs = connectorRun(500, Map.of());
            double[] ss = connectorRun(1, Map.of());
            int recordSize = (int) Math.round(bj[1]);
            size.add(recordSize);
            double rawConnect = producer(recordSize, List.of("acks=all", "max.in.flight.requests.per.connection=1"));
            double rawDefault = producer(recordSize, List.of("acks=all"));
            batchJson.ours().add(bj[0]);
            batchJson.reference().add(rawConnect);
            singleJson.ours().add(sj[0]);
            singleJson.reference().add(rawConnect);
            batchStruct.ours().add(bs[0]);
            batchStruct.reference().add(rawConnect);
            singleStruct.ours().add(ss[0]);
            singleStruct.reference().add(rawConnect);
            batchJsonDefaults.ours().add(bj[0]);
            batchJsonDefaults.reference().add(rawDefault);
            System.err.printf("source run %d: json batch %.0f/s, json single %.0f/s, struct batch %.0f/s, struct single %.0f/s, "
                    + "producer (Connect's settings) %.0f/s, (defaults) %.0f/s%n", i + 1, bj[0], sj[0], bs[0], ss[0], rawConnect,
                    rawDefault);
        }
        figures.note(SECTION, String.format("Settings: %d simulated devices (`DeviceFleet`, one metric) sending as fast as their "
                + "windows allow (10,000 unacknowledged readings each) for %d s per connector run; a reading counts once its device "
                + "has the acknowledgement. Connector `tasks.max=1` from `config/source-connector.properties` (defaults: `struct` "
                + "values through `JsonConverter` without schemas, `sluice.seq` and `sluice.connection` headers), or with "
                + "`record.value.format=json`, `record.headers.enabled=false` and `ByteArrayConverter`; default buffer; a fresh "
                + "one-partition topic per run. ProducerPerformance with %,d records per run and the JSON's size, as a process of "
                + "its own, on a fresh one-partition topic.", sizes.sourceDevices, sizes.sourceSeconds, sizes.producerRecords));
    }

    private double producer(int recordSize, List<String> props) throws Exception {
        String topic = "bench-source-raw-" + (++run);
        stack.createTopic(topic, 1, Map.of());
        try {
            return KafkaTools.producerPerformance(stack, topic, recordSize, sizes.producerRecords, props);
        } finally {
            stack.deleteTopics(List.of(topic));
        }
    }

    /** One connector run; {readings/s, average value bytes}. */
    private double[] connectorRun(int batch, Map<String, String> extra) throws Exception {
        int n = ++run;
        String name = "bench-source-" + n;
        String topic = name + "-readings";
        stack.createTopic(topic, 1, Map.of());
        int port = BenchStack.freePort();
        Map<String, String> overrides = new java.util.HashMap<>(Map.of("name", name, "topic", topic, "listen.address", "127.0.0.1",
                "listen.port", Integer.toString(port), "line.listen.port", "-1"));
        overrides.putAll(extra);
        stack.connect().deploy(stack.layout().config("source-connector.properties"), overrides);
        try {
            stack.connect().awaitRunning(name, Duration.ofSeconds(60));
            DeviceFleet.Settings s = new DeviceFleet.Settings(List.of(new InetSocketAddress("127.0.0.1", port)), sizes.sourceDevices,
                    name + "-", 0, 0, Duration.ofSeconds(sizes.sourceSeconds), List.of("temperature"), batch,
                    Duration.ofMillis(batch == 1 ? 0 : 5), Math.max(10_000, batch * 4), "", null, 1);
            long t0 = System.nanoTime();
            long acked;
            try (DeviceFleet fleet = DeviceFleet.start(s)) {
                fleet.awaitGenerated(Duration.ofSeconds(sizes.sourceSeconds + 60L));
                fleet.flush(Duration.ofSeconds(120));
                acked = fleet.stats().acked();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (acked == 0) {
                throw new IllegalStateException("no reading was acknowledged in source run " + n);
            }
            return new double[] {acked / secs, averageValueBytes(topic)};
        } finally {
            stack.connect().delete(name);
            stack.deleteTopics(List.of(topic));
        }
    }

    private double averageValueBytes(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long n = 0;
            long bytes = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (n < 10_000 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    n++;
                    bytes += r.value().length;
                }
            }
            return n == 0 ? 0 : (double) bytes / n;
        }
    }
}
