package io.sluice.streams.backpressure;

import io.sluice.streams.StreamsAppMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the downstream signals every interval and feeds the {@link BackpressureController}:
 * the lag of the downstream consumer group on the output topic (end offsets minus the group's
 * committed offsets, via the Admin API; a partition the group never committed counts from its
 * beginning offset) and the fullness of the app's producer buffers (the producers'
 * {@code buffer-available-bytes} of {@code buffer-total-bytes}, from Kafka Streams' metrics).
 * The decision goes to {@link PauseState}, which the consumers apply at their next poll.
 */
public final class DownstreamMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DownstreamMonitor.class);

    private final Admin admin;
    private final String group;
    private final String topic;
    private final Supplier<Map<MetricName, ? extends Metric>> streamsMetrics;
    private final BackpressureController controller;
    private final PauseState pauseState;
    private final StreamsAppMetrics metrics;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-backpressure");
        t.setDaemon(true);
        return t;
    });

    /** {@code group} null: no lag signal, only the producer buffer. */
    public DownstreamMonitor(Admin admin, String group, String topic,
            Supplier<Map<MetricName, ? extends Metric>> streamsMetrics, BackpressureController controller,
            PauseState pauseState, StreamsAppMetrics metrics) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
        this.streamsMetrics = streamsMetrics;
        this.controller = controller;
        this.pauseState = pauseState;
        this.metrics = metrics;
    }

    public void start(Duration interval) {
        timer.scheduleWithFixedDelay(this::checkSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("backpressure check failed; keeping the current decision", e);
        }
    }

    /** One measurement and decision. */
    public void check() {
        long lag = group == null ? 0 : downstreamLag();
        double buffer = producerBufferRatio();
        metrics.downstream(lag, buffer);
        boolean before = controller.paused();
        boolean now = controller.update(lag, buffer);
        if (now != before) {
            log.info("{} input: {}", now ? "Pausing" : "Resuming", controller.reason());
        }
        pauseState.pauseAll(now);
        metrics.controllerPaused(now);
    }

    /** Records the group still has to read on the output topic, or -1 when it cannot be measured now. */
    long downstreamLag() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (var p : partitions) {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                latest.put(tp, OffsetSpec.latest());
                if (committed.get(tp) == null) {
                    earliest.put(tp, OffsetSpec.earliest());
                }
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                    : admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                long from = c != null ? c.offset() : starts.get(e.getKey()).offset();
                lag += Math.max(0, e.getValue().offset() - from);
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            log.debug("cannot measure the lag of {} on {}", group, topic, e);
            return -1;
        }
    }

    double producerBufferRatio() {
        double worst = 0;
        Map<String, Double> available = new HashMap<>();
        Map<String, Double> total = new HashMap<>();
        for (var e : streamsMetrics.get().entrySet()) {
            MetricName n = e.getKey();
            if (!"producer-metrics".equals(n.group())) {
                continue;
            }
            String client = n.tags().getOrDefault("client-id", "");
            if (n.name().equals("buffer-available-bytes")) {
                available.put(client, value(e.getValue()));
            } else if (n.name().equals("buffer-total-bytes")) {
                total.put(client, value(e.getValue()));
            }
        }
        for (var e : total.entrySet()) {
            Double a = available.get(e.getKey());
            if (a != null && e.getValue() > 0) {
                worst = Math.max(worst, 1.0 - a / e.getValue());
            }
        }
        return worst;
    }

    private static double value(Metric m) {
        Object v = m.metricValue();
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
