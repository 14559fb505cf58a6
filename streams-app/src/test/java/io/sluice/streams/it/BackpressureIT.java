package io.sluice.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.streams.StreamsApp;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class BackpressureIT {

    /** A downstream consumer group (the sink's stand-in) that reads and commits only while told to. */
    private static final class Downstream implements AutoCloseable {
        final AtomicBoolean committing = new AtomicBoolean(true);
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong read = new AtomicLong();
        final Thread thread;

        Downstream(TestKafka kafka, String topic, String group) {
            thread = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = kafka.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))) {
                    c.subscribe(List.of(topic));
                    while (running.get()) {
                        if (committing.get()) {
                            c.resume(c.paused());
                            read.addAndGet(c.poll(Duration.ofMillis(100)).count());
                            c.commitSync();
                        } else {
                            // stalled: stays in the group (polls, so it is not kicked out) but reads and commits nothing
                            c.pause(c.assignment());
                            c.poll(Duration.ofMillis(100));
                        }
                    }
                } catch (RuntimeException e) {
                    if (running.get()) {
                        throw e;
                    }
                }
            }, "downstream");
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aStalledDownstreamGroupPausesInputUntilItCatchesUpAndEveryAggregateIsProduced(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "bp", 2);
        String appId = TestKafka.uniqueName("bp-app");
        String group = TestKafka.uniqueName("bp-sink");
        Map<String, String> s = ItSupport.appSettings(kafka, t, appId);
        s.put("emit", "update"); // one output record per reading: downstream lag follows input quickly
        s.put("window.size.ms", "5000");
        s.put("window.grace.ms", "0");
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        s.put("backpressure.downstream.group", group);
        s.put("backpressure.lag.high.records", "3000");
        s.put("backpressure.lag.low.records", "500");
        s.put("backpressure.check.interval.ms", "100");
        s.put("buffered.records.per.partition", "500");
        s.put("max.poll.records", "500");
        Random rnd = new Random(5);
        long base = System.currentTimeMillis() - 120_000;
        long[] seq = {0};
        long[] produced = {0};
        try (StreamsApp app = ItSupport.start(s); KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka);
                Downstream down = new Downstream(kafka, t.output(), group)) {
            down.thread.start();
            Runnable batch = () -> {
                for (int i = 0; i < 10_000; i++) {
                    long n = seq[0]++;
                    ItSupport.send(p, t.input(), null, new ItSupport.Sent("dev-" + (n % 100), "m", base + n * 5,
                            rnd.nextInt(100)), n);
                    produced[0]++;
                }
                p.flush();
            };
            batch.run();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.metrics().getReadings() == produced[0]);
            assertThat(app.metrics().isPaused()).as("downstream keeps up: no pause").isFalse();

            // the downstream group stops committing: its lag on the aggregates topic grows past the high mark
            down.committing.set(false);
            batch.run();
            await().atMost(Duration.ofSeconds(60)).until(() -> app.metrics().isPaused());
            ObjectName jmx = io.sluice.streams.StreamsAppMetrics.objectName(appId);
            assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(jmx, "Paused")).isEqualTo(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.metrics().getPausedPartitions() == 2);
            assertThat(app.metrics().getDownstreamLag()).isGreaterThanOrEqualTo(3000);
            long processedAtPause = app.metrics().getReadings();
            long heapAtPause = usedHeapAfterGc();
            // input keeps coming while paused: it waits in Kafka, not in the app
            for (int i = 0; i < 3; i++) {
                batch.run();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> ItSupport.groupLag(kafka, appId, t.input()) >= 25_000);
            long processedWhilePaused = app.metrics().getReadings() - processedAtPause;
            // at most what was already fetched: buffered.records.per.partition + one poll per partition
            assertThat(processedWhilePaused).isLessThanOrEqualTo(2 * (500 + 500));
            assertThat(app.metrics().isPaused()).isTrue();
            assertThat((Long) ManagementFactory.getPlatformMBeanServer().getAttribute(jmx, "PausedTimeMs")).isPositive();
            assertThat(usedHeapAfterGc() - heapAtPause).as("heap does not grow with the backlog")
                    .isLessThan(64L << 20);

            // the downstream catches up: lag drops below the low mark, input resumes, everything is aggregated
            down.committing.set(true);
            await().atMost(Duration.ofSeconds(90)).until(() -> app.metrics().getReadings() == produced[0]);
            assertThat(app.metrics().getPauseCount()).isGreaterThanOrEqualTo(1);
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), produced[0], Duration.ofSeconds(90));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(produced[0]);
            assertThat(app.metrics().getLateReadings()).isZero();
        }
    }

    @Test
    void aRacingPartitionIsPausedByTheDriftRuleAndResumedWhenTheOtherCatchesUp(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "drift", 2);
        String appId = TestKafka.uniqueName("drift-app");
        Map<String, String> s = ItSupport.appSettings(kafka, t, appId);
        s.put("window.size.ms", "10000");
        s.put("window.grace.ms", "1000"); // each partition is in event-time order: nothing is late
        s.put("idle.close.ms", "2000");
        s.put("idle.check.interval.ms", "500");
        s.put("alignment.max.drift.ms", "60000");
        s.put("alignment.resume.drift.ms", "30000");
        s.put("backpressure.enabled", "false");
        s.put("buffered.records.per.partition", "200");
        s.put("max.poll.records", "200");
        long now = System.currentTimeMillis();
        long slowBase = now - 15 * 60_000;
        int slow = 90_000;
        int fast = 5_000;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
            // partition 1: fifteen minutes of history; partition 0: the last seconds only
            for (int i = 0; i < slow; i++) {
                ItSupport.send(p, t.input(), 1, new ItSupport.Sent("slow-" + (i % 50), "m", slowBase + i * 10L, i % 7), i);
            }
            for (int i = 0; i < fast; i++) {
                ItSupport.send(p, t.input(), 0, new ItSupport.Sent("fast-" + (i % 50), "m", now - 5_000 + i, i % 7), i);
            }
            p.flush();
        }
        try (StreamsApp app = ItSupport.start(s)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> app.metrics().getAlignmentPauseCount() >= 1);
            await().atMost(Duration.ofSeconds(90)).until(() -> app.metrics().getReadings() == slow + fast);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.metrics().getAlignmentPausedPartitions() == 0);
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), slow + fast, Duration.ofSeconds(90));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(slow + fast);
            assertThat(app.metrics().getLateReadings()).isZero();
        }
    }
}
