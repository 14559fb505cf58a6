package io.sluice.bench;

import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.quickstart.stack.Jmx;
import io.sluice.quickstart.stack.StackException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records per second the sink connector delivers to 1 and to N peers, against
 * {@code ConsumerPerformance} reading the same records of the same topic, and Connect's own
 * ceiling (a sink that does nothing) on the same worker, in the same run. Per scenario: a fresh
 * topic (4 partitions); the connector starts on it empty and the peers subscribe; the connector
 * is paused; the records are produced; ConsumerPerformance reads them; the connector is resumed
 * and the clock runs until every peer has every record.
 */
final class SinkBench {
    static final String SECTION = "sink";

    private final BenchStack stack;
    private final Figures figures;
    private final BenchCommand.Sizes sizes;
    private int run;

    SinkBench(BenchStack stack, Figures figures, BenchCommand.Sizes sizes) {
        this.stack = stack;
        this.figures = figures;
        this.sizes = sizes;
    }

    void run(int runs) throws Exception {
        Figures.Pair one = figures.pair(SECTION, "1 durable peer vs ConsumerPerformance", "sink, per peer", "ConsumerPerformance",
                "records/s", "≥ 0.8");
        Figures.Pair many = figures.pair(SECTION, sizes.manyPeers + " durable peers (each peer's rate) vs ConsumerPerformance",
                "sink, per peer", "ConsumerPerformance", "records/s", null);
        Figures.Pair ceiling = figures.pair(SECTION, "Connect alone (a sink that does nothing) vs ConsumerPerformance",
                "do-nothing sink", "ConsumerPerformance", "records/s", null);
        Figures.Pair oneVsCeiling = figures.pair(SECTION, "1 durable peer vs Connect alone", "sink, per peer", "do-nothing sink",
                "records/s", null);
        Figures.Series manyTotal = figures.series(SECTION, sizes.manyPeers + " durable peers, all peers together", "records/s");
        Figures.Series heap = figures.series(SECTION, "Connect worker peak heap, 1 peer", "MiB");
        Figures.Series rss = figures.series(SECTION, "Connect worker peak RSS, 1 peer", "MiB");
        if (sizes.warmUp) {
            deliver(Math.min(sizes.sinkRecords, 200_000), 1); // warm-up, not reported
        }
        for (int i = 0; i < runs; i++) {
            double[] c = ceiling(sizes.sinkRecords);
            double[] o = deliver(sizes.sinkRecords, 1);
            double[] m = deliver(sizes.sinkManyRecords, sizes.manyPeers);
            ceiling.ours().add(c[0]);
            ceiling.reference().add(c[1]);
            one.ours().add(o[0]);
            one.reference().add(o[1]);
            oneVsCeiling.ours().add(o[0]);
            oneVsCeiling.reference().add(c[0]);
            many.ours().add(m[0]);
            many.reference().add(m[1]);
            manyTotal.add(m[0] * sizes.manyPeers);
            heap.add(o[2] / (1 << 20));
            rss.add(o[3] / (1 << 20));
            System.err.printf("sink run %d: ceiling %.0f/s, 1 peer %.0f/s, %d peers %.0f/s each, consumer %.0f/s%n", i + 1, c[0],
                    o[0], sizes.manyPeers, m[0], o[1]);
        }
        figures.note(SECTION, String.format("Settings: %,d records per run for one peer and Connect alone, %,d for %d peers; "
                + "about 190-byte aggregate-like JSON values keyed by 1,000 devices on a 4-partition topic; connector `tasks.max=1` "
                + "from `config/sink-connector.properties` (`ByteArrayConverter`, peer queue 10,000 records / 8 MiB, pause policy) "
                + "with `consumer.override.max.poll.records=2000`; peers are `PeerClient`s in the harness JVM with callbacks and "
                + "automatic acks; ConsumerPerformance as a process of its own, its `fetch.nMsg.sec`.%s", sizes.sinkRecords,
                sizes.sinkManyRecords, sizes.manyPeers, sizes.warmUp ? String.format(" A %,d-record delivery warms the worker up "
                        + "first.", Math.min(sizes.sinkRecords, 200_000)) : ""));
    }

    /** Our sink to {@code peers} durable peers: {per-peer records/s, ConsumerPerformance records/s, peak heap, peak RSS}. */
    private double[] deliver(long records, int peers) throws Exception {
        int n = ++run;
        String topic = "bench-sink-" + n;
        String name = "bench-sink-" + n;
        stack.createTopic(topic, 4, Map.of());
        int port = BenchStack.freePort();
        Map<String, String> o = new HashMap<>();
        o.put("name", name);
        o.put("topics", topic);
        o.put("kafka.bootstrap.servers", stack.bootstrap());
        o.put("peer.listener.host", "127.0.0.1");
        o.put("peer.listener.port", Integer.toString(port));
        o.put("peer.endpoints.topic", "bench-endpoints-" + n);
        o.put("errors.deadletterqueue.topic.name", "bench-sink-dlq-" + n);
        o.put("consumer.override.max.poll.records", "2000");
        stack.connect().deploy(stack.layout().config("sink-connector.properties"), o);
        List<PeerClient> clients = new ArrayList<>();
        List<AtomicLong> counts = new ArrayList<>();
        long[] doneAt = new long[peers];
        try {
            stack.connect().awaitRunning(name, Duration.ofSeconds(60));
            for (int i = 0; i < peers; i++) {
                AtomicLong count = new AtomicLong();
                int idx = i;
                PeerClient c = PeerClient.start(PeerClientConfig.builder().endpoint(new InetSocketAddress("127.0.0.1", port))
                        .topics(topic).peerName("bench-" + n + "-" + i).build());
                c.onRecord(r -> {
                    if (count.incrementAndGet() == records) {
                        doneAt[idx] = System.nanoTime();
                    }
                });
                clients.add(c);
                counts.add(count);
            }
            for (PeerClient c : clients) {
                if (!c.awaitSubscribed(Duration.ofSeconds(60))) {
                    throw new StackException("a peer did not subscribe to " + name);
                }
            }
            stack.connect().pause(name, Duration.ofSeconds(60));
            produce(topic, records);
            double raw = KafkaTools.consumerPerformance(stack, topic, records, "bench-raw-" + n);
            try (MemoryProbe probe = new MemoryProbe(200).watch("connect", stack.worker().pid(), stack.workerJmx()).start()) {
                long t0 = System.nanoTime();
                stack.connect().resume(name);
                long deadline = t0 + Duration.ofMinutes(10).toNanos();
                while (System.nanoTime() < deadline && counts.stream().anyMatch(c -> c.get() < records)) {
                    Thread.sleep(10); // the clock of a measurement: every peer has every record
                }
                long last = 0;
                for (int i = 0; i < peers; i++) {
                    if (counts.get(i).get() < records) {
                        throw new StackException(name + ": peer " + i + " got " + counts.get(i).get() + " of " + records);
                    }
                    last = Math.max(last, doneAt[i]);
                }
                return new double[] {records / ((last - t0) / 1e9), raw, probe.peakHeap("connect"), probe.peakRss("connect")};
            }
        } finally {
            clients.forEach(PeerClient::closeNow);
            stack.connect().delete(name);
            stack.deleteTopics(List.of(topic));
        }
    }

    /** The do-nothing sink: {records/s, ConsumerPerformance records/s}. */
    private double[] ceiling(long records) throws Exception {
        int n = ++run;
        String topic = "bench-sink-" + n;
        String name = "bench-nothing-" + n;
        stack.createTopic(topic, 4, Map.of());
        Map<String, String> props = new HashMap<>();
        props.put("connector.class", BenchStack.COUNTING_SINK_CLASS);
        props.put("topics", topic);
        props.put("tasks.max", "1");
        props.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("consumer.override.max.poll.records", "2000");
        stack.connect().deploy(name, props);
        try (Jmx jmx = Jmx.connect(stack.workerJmx())) {
            stack.connect().awaitRunning(name, Duration.ofSeconds(60));
            stack.connect().pause(name, Duration.ofSeconds(60));
            produce(topic, records);
            double raw = KafkaTools.consumerPerformance(stack, topic, records, "bench-raw-" + n);
            ObjectName metric = new ObjectName("kafka.connect:type=sink-task-metrics,connector=" + name + ",task=0");
            double before = orZero(jmx.number(metric, "sink-record-send-total"));
            long t0 = System.nanoTime();
            stack.connect().resume(name);
            long deadline = t0 + Duration.ofMinutes(10).toNanos();
            double got = 0;
            while (System.nanoTime() < deadline && (got = orZero(jmx.number(metric, "sink-record-send-total")) - before) < records) {
                Thread.sleep(5); // the clock of a measurement: Connect has handed every record to the task
            }
            if (got < records) {
                throw new StackException(name + " took " + (long) got + " of " + records + " records");
            }
            return new double[] {records / ((System.nanoTime() - t0) / 1e9), raw};
        } finally {
            stack.connect().delete(name);
            stack.deleteTopics(List.of(topic));
        }
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** About 190-byte aggregate-like JSON values, keyed by device, as fast as the producer goes. */
    private void produce(String topic, long records) {
        Map<String, Object> p = Map.of("bootstrap.servers", stack.bootstrap(), "acks", "1", "batch.size", 262_144, "linger.ms", 20,
                "buffer.memory", 64L << 20);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                String device = "device-" + (i % 1000);
                byte[] value = ("{\"device\":\"" + device + "\",\"metric\":\"temperature\",\"window_start\":" + (1_700_000_000_000L + i)
                        + ",\"window_end\":" + (1_700_000_010_000L + i) + ",\"count\":10,\"sum\":215.5,\"min\":20.1,\"max\":23.9,"
                        + "\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, device.getBytes(StandardCharsets.UTF_8), value));
            }
            producer.flush();
        }
    }
}
