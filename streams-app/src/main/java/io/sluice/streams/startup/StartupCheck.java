package io.sluice.streams.startup;

import io.sluice.streams.config.BadRecordPolicy;
import io.sluice.streams.config.StartupSettings;
import io.sluice.streams.config.StreamsAppConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the app checks before Kafka Streams starts, so that a mistake of the first day gets one
 * sentence instead of a client that retries for ever: a broker of {@code bootstrap.servers}
 * answers (waiting up to {@code startup.timeout.ms}, one ERROR line every 30 s), and every topic
 * the app reads or writes exists, or is created with {@code topics.create=true}.
 */
public final class StartupCheck {
    private static final Logger log = LoggerFactory.getLogger(StartupCheck.class);
    static final Duration REPORT_EVERY = Duration.ofSeconds(30);
    private static final long ATTEMPT_MS = 5_000;

    /** Exit code 0 and no problem, or the exit code and one sentence per problem. */
    public record Outcome(int exitCode, List<String> problems) {
        static final Outcome OK = new Outcome(0, List.of());
    }

    private final StreamsAppConfig config;
    private final StartupSettings settings;
    private final LongSupplier nanos;

    public StartupCheck(StreamsAppConfig config) {
        this(config, System::nanoTime);
    }

    StartupCheck(StreamsAppConfig config, LongSupplier nanos) {
        this.config = config;
        this.settings = config.startup();
        this.nanos = nanos;
    }

    public Outcome run() {
        try (Admin admin = Admin.create(adminProps())) {
            Optional<Integer> brokers = awaitBrokers(admin);
            if (brokers.isEmpty()) {
                return new Outcome(1, List.of("Kafka did not answer at bootstrap.servers=" + config.bootstrapServers()
                        + " within " + StartupSettings.TIMEOUT_CONFIG + "=" + settings.timeout().toMillis()
                        + ": check that the brokers run and that bootstrap.servers names them."));
            }
            return checkTopics(admin, brokers.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(1, List.of("interrupted while checking Kafka at bootstrap.servers="
                    + config.bootstrapServers()));
        }
    }

    private Map<String, Object> adminProps() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, config.applicationId() + "-startup-check");
        // the client warns at every failed connection attempt: back off, so a dead address is not a warning a second
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 1_000);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, (int) REPORT_EVERY.toMillis());
        config.streamsOverrides().forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                p.put(k, v); // the same credentials as Kafka Streams' own clients
            }
        });
        return p;
    }

    /** Waits for a broker to answer; the number of brokers, or empty once startup.timeout.ms has passed. */
    private Optional<Integer> awaitBrokers(Admin admin) throws InterruptedException {
        long start = nanos.getAsLong();
        long timeoutNs = settings.timeout().toNanos();
        long lastReport = Long.MIN_VALUE;
        while (true) {
            try {
                int n = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) ATTEMPT_MS)).nodes()
                        .get(ATTEMPT_MS + 1_000, TimeUnit.MILLISECONDS).size();
                if (lastReport != Long.MIN_VALUE) {
                    log.info("Kafka answered at bootstrap.servers={} ({} brokers)", config.bootstrapServers(), n);
                }
                return Optional.of(n);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                long now = nanos.getAsLong();
                if (timeoutNs > 0 && now - start >= timeoutNs) {
                    return Optional.empty();
                }
                if (lastReport == Long.MIN_VALUE || now - lastReport >= REPORT_EVERY.toNanos()) {
                    lastReport = now;
                    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    log.error("Cannot reach Kafka at bootstrap.servers={}: no broker answered for {} s ({}); trying "
                            + "again{}", config.bootstrapServers(), Duration.ofNanos(now - start).toSeconds(),
                            cause.getMessage(), timeoutNs > 0 ? " for up to " + StartupSettings.TIMEOUT_CONFIG + "="
                                    + settings.timeout().toMillis() + " ms" : " until stopped");
                }
            }
        }
    }

    private Outcome checkTopics(Admin admin, int brokers) throws InterruptedException {
        Map<String, String> needed = new LinkedHashMap<>(); // topic -> the key naming it
        needed.put(config.inputTopic(), StreamsAppConfig.INPUT_TOPIC_CONFIG);
        needed.putIfAbsent(config.outputTopic(), StreamsAppConfig.OUTPUT_TOPIC_CONFIG);
        if (config.lateTopic() != null) {
            needed.putIfAbsent(config.lateTopic(), StreamsAppConfig.LATE_TOPIC_CONFIG);
        }
        if (config.badRecordPolicy() == BadRecordPolicy.DEAD_LETTER && config.deadLetterTopic() != null) {
            needed.putIfAbsent(config.deadLetterTopic(), StreamsAppConfig.DLQ_TOPIC_CONFIG);
        }
        Set<String> existing;
        int inputPartitions;
        try {
            existing = admin.listTopics(new ListTopicsOptions().timeoutMs((int) ATTEMPT_MS)).names().get();
            inputPartitions = existing.contains(config.inputTopic())
                    ? admin.describeTopics(List.of(config.inputTopic())).allTopicNames().get()
                            .get(config.inputTopic()).partitions().size()
                    : 0;
        } catch (ExecutionException e) {
            return new Outcome(1, List.of("Could not list the topics at bootstrap.servers=" + config.bootstrapServers()
                    + ": " + e.getCause().getMessage()));
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : needed.entrySet()) {
            String topic = e.getKey();
            if (existing.contains(topic)) {
                continue;
            }
            int partitions = settings.partitions() > 0 ? settings.partitions() : Math.max(1, inputPartitions);
            if (settings.createTopics()) {
                String failure = create(admin, topic, partitions);
                if (failure == null) {
                    log.info("Created topic '{}' ({}): {} partitions, replication factor {} ({}=true)", topic, e.getValue(),
                            partitions, settings.replicationFactor() < 0 ? "the brokers' default" : settings.replicationFactor(),
                            StartupSettings.CREATE_CONFIG);
                } else {
                    problems.add("Could not create topic '" + topic + "' (" + e.getValue() + "): " + failure);
                }
                continue;
            }
            int rf = settings.replicationFactor() > 0 ? settings.replicationFactor() : Math.min(3, brokers);
            problems.add("Topic '" + topic + "' (" + e.getValue() + ") does not exist; create it with: kafka-topics.sh "
                    + "--bootstrap-server " + config.bootstrapServers() + " --create --topic " + topic + " --partitions "
                    + partitions + " --replication-factor " + rf + " (or set " + StartupSettings.CREATE_CONFIG + "=true)");
        }
        return problems.isEmpty() ? Outcome.OK : new Outcome(2, problems);
    }

    /** Creates one topic; null when it exists now, else why not. */
    private String create(Admin admin, String topic, int partitions) throws InterruptedException {
        Optional<Short> rf = settings.replicationFactor() < 0 ? Optional.empty() : Optional.of(settings.replicationFactor());
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), rf))).all().get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof TopicExistsException ? null : e.getCause().getMessage();
        }
    }
}
