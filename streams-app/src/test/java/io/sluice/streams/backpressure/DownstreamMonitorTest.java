package io.sluice.streams.backpressure;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.streams.StreamsAppMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class DownstreamMonitorTest {

    private static Map.Entry<MetricName, Metric> metric(String client, String name, double value) {
        MetricName n = new MetricName(name, "producer-metrics", "", Map.of("client-id", client));
        return Map.entry(n, new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.ofEpochMilli(1_000_000);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void theFullestProducerBufferPausesInputAndItsDrainingResumesIt() {
        AtomicReference<Map<MetricName, Metric>> metrics = new AtomicReference<>();
        TestClock clock = new TestClock();
        StreamsAppMetrics appMetrics = new StreamsAppMetrics(clock);
        PauseState state = new PauseState();
        DownstreamMonitor m = new DownstreamMonitor(null, null, "out", metrics::get,
                new BackpressureController(1000, 100, 0.8, 0.3), state, appMetrics);
        Map<MetricName, Metric> values = new HashMap<>();
        for (Map.Entry<MetricName, Metric> e : java.util.List.of(metric("p1", "buffer-total-bytes", 1000),
                metric("p1", "buffer-available-bytes", 900), metric("p2", "buffer-total-bytes", 1000),
                metric("p2", "buffer-available-bytes", 150))) {
            values.put(e.getKey(), e.getValue());
        }
        metrics.set(values);
        m.check();
        assertThat(appMetrics.getProducerBufferRatio()).isEqualTo(0.85, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(state.pauseAll()).isTrue();
        assertThat(appMetrics.isPaused()).isTrue();
        assertThat(appMetrics.getPauseCount()).isEqualTo(1);
        assertThat(appMetrics.getDownstreamLag()).as("no group watched: no lag signal").isZero();

        clock.now = clock.now.plus(Duration.ofSeconds(3));
        values.put(metric("p2", "buffer-available-bytes", 0).getKey(), metric("p2", "buffer-available-bytes", 800).getValue());
        m.check();
        assertThat(state.pauseAll()).isFalse();
        assertThat(appMetrics.getPausedTimeMs()).isEqualTo(3000);
        clock.now = clock.now.plus(Duration.ofSeconds(5));
        assertThat(appMetrics.getPausedTimeMs()).as("not paused: time stands").isEqualTo(3000);
    }
}
