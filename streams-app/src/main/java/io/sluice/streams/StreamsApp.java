package io.sluice.streams;

import io.sluice.protocol.SluiceVersion;
import io.sluice.streams.backpressure.BackpressureController;
import io.sluice.streams.backpressure.DownstreamMonitor;
import io.sluice.streams.backpressure.PauseState;
import io.sluice.streams.backpressure.PausingClientSupplier;
import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.topology.StreamsAppTopology;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance: the Kafka Streams instance over {@link StreamsAppTopology}, the pausing
 * client supplier, the downstream monitor and the JMX metrics. {@link #close} stops it cleanly
 * (commits, closes stores, leaves the group).
 */
public final class StreamsApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    private final StreamsAppConfig config;
    private final AppRuntime runtime;
    private final PauseState pauseState = new PauseState();
    private final KafkaStreams streams;
    private final Admin admin;
    private final DownstreamMonitor monitor;
    private final long startedAt = System.nanoTime();
    private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

    public StreamsApp(StreamsAppConfig config) {
        this(config, Clock.systemUTC());
    }

    StreamsApp(StreamsAppConfig config, Clock clock) {
        this.config = config;
        this.runtime = AppRuntime.create(clock);
        Properties props = StreamsAppTopology.streamsConfig(config);
        props.put(AppRuntime.KEY, runtime);
        PausingClientSupplier clients = new PausingClientSupplier(pauseState, runtime.times(), config.maxDriftMs(),
                config.resumeDriftMs(), config.inputTopic(), runtime.metrics());
        this.streams = new KafkaStreams(StreamsAppTopology.buildTopology(config), props, clients);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread failed; shutting the instance down", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            log.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                terminated.countDown();
            }
        });
        if (config.backpressureEnabled()) {
            this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()));
            this.monitor = new DownstreamMonitor(admin, config.downstreamGroup(), config.outputTopic(), streams::metrics,
                    new BackpressureController(config.lagHigh(), config.lagLow(), config.bufferHigh(), config.bufferLow()),
                    pauseState, runtime.metrics());
        } else {
            this.admin = null;
            this.monitor = null;
        }
    }

    public void start() {
        runtime.metrics().register(config.applicationId());
        streams.start();
        if (monitor != null) {
            monitor.start(config.backpressureInterval());
        }
        io.sluice.streams.window.ClosingRule closing = config.closingRule();
        log.info("Sluice streams app {} started: {} -> {} ({} windows closed {}, emit {}, grouping {}, {})",
                SluiceVersion.get(), config.inputTopic(), config.outputTopic(), config.window().type(),
                closing.perDevice() ? "per device (device grace " + closing.deviceGraceMs() + " ms, max behind "
                        + closing.maxBehindMs() + " ms)" : "by stream time (grace " + config.window().graceMs() + " ms)",
                config.emit(), config.grouping(), config.processingGuarantee());
    }

    public KafkaStreams streams() {
        return streams;
    }

    public StreamsAppMetrics metrics() {
        return runtime.metrics();
    }

    /** Waits until Kafka Streams stops (by {@link #close} or by a fatal error). */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Whether the instance ended in ERROR (a fatal processing failure). */
    public boolean failed() {
        return streams.state() == KafkaStreams.State.ERROR;
    }

    public boolean running() {
        return streams.state().isRunningOrRebalancing();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        long t0 = System.nanoTime();
        if (monitor != null) {
            monitor.close();
        }
        // leave the group at once, so the partitions move to the other instances without waiting for the session timeout
        boolean clean = streams.close(org.apache.kafka.streams.CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        runtime.metrics().unregister();
        log.info("Sluice streams app stopped {} in {} ms after {} s", clean ? "cleanly" : "(timed out)",
                (System.nanoTime() - t0) / 1_000_000, (System.nanoTime() - startedAt) / 1_000_000_000);
    }
}
