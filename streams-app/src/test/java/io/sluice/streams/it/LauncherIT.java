package io.sluice.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.telemetry.Aggregate;
import io.sluice.testkit.ConfigDocs;
import io.sluice.testkit.SharedKafka;
import io.sluice.testkit.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The packaged launcher, as a user runs it: starts from a properties file, aggregates, stops cleanly on SIGTERM. */
@ExtendWith(SharedKafka.class)
class LauncherIT {

    @Test
    void theLauncherScriptRunsTheAppAndSigtermStopsItCleanly(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "launch", 1);
        Map<String, String> s = ItSupport.appSettings(kafka, t, TestKafka.uniqueName("launch-app"));
        s.put("window.size.ms", "1000");
        s.put("window.grace.ms", "0");
        Path props = Files.createTempFile("launch", ".properties");
        Files.writeString(props, s.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")));
        Path log = Path.of("target/launcher-it.log");
        Path script = ConfigDocs.repositoryRoot().resolve("streams-app/bin/sluice-streams-app");
        Process app = new ProcessBuilder(script.toString(), "--config", props.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("Kafka Streams REBALANCING -> RUNNING"));
            long now = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(kafka)) {
                for (int i = 0; i < 100; i++) {
                    ItSupport.send(p, t.input(), null, new ItSupport.Sent("d1", "m", now + i * 10L, i), i);
                }
                ItSupport.send(p, t.input(), null, new ItSupport.Sent("d1", "m", now + 10_000, 0), 100);
            }
            List<Aggregate> finals = ItSupport.finals(kafka, t.output(), 100, Duration.ofSeconds(60));
            assertThat(finals.stream().mapToLong(Aggregate::count).sum()).isEqualTo(100);
            app.destroy(); // SIGTERM
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(Files.readString(log)).contains("Sluice streams app stopped cleanly");
            assertThat(app.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
        } finally {
            app.destroyForcibly();
        }
    }

    @Test
    void anInvalidConfigurationIsReportedWithEveryProblemAndExitCode2() throws Exception {
        Path props = Files.createTempFile("bad", ".properties");
        Files.writeString(props, "bootstrap.servers=localhost:1\nemit=sometimes\nwindow.size.ms=-5\n");
        Path script = ConfigDocs.repositoryRoot().resolve("streams-app/bin/sluice-streams-app");
        Process app = new ProcessBuilder(script.toString(), "--config", props.toString()).redirectErrorStream(true).start();
        String out = new String(app.getInputStream().readAllBytes());
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isEqualTo(2);
        assertThat(out).contains("emit").contains("window.size.ms");
    }

    private static Path propertiesFile(Map<String, String> s) throws Exception {
        Path props = Files.createTempFile("launch", ".properties");
        Files.writeString(props, s.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")));
        return props;
    }

    private static Process launch(Path props, Path log) throws Exception {
        Path script = ConfigDocs.repositoryRoot().resolve("streams-app/bin/sluice-streams-app");
        return new ProcessBuilder(script.toString(), "--config", props.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    @Test
    void aMissingTopicStopsTheAppWithExitCode2AndTheCommandThatCreatesIt(TestKafka kafka) throws Exception {
        ItSupport.Topics t = ItSupport.Topics.create(kafka, "missing", 3);
        Map<String, String> s = ItSupport.appSettings(kafka, t, TestKafka.uniqueName("missing-app"));
        String missing = TestKafka.uniqueName("my-aggregates");
        s.put("output.topic", missing);
        Path log = Files.createTempFile("missing", ".log");
        Process app = launch(propertiesFile(s), log);
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
        assertThat(app.exitValue()).isEqualTo(2);
        assertThat(Files.readAllLines(log)).containsOnlyOnce("Topic '" + missing + "' (output.topic) does not exist; "
                + "create it with: kafka-topics.sh --bootstrap-server " + kafka.bootstrapServers() + " --create --topic "
                + missing + " --partitions 3 --replication-factor 1 (or set topics.create=true)");
        assertThat(Files.readString(log)).doesNotContain("Kafka Streams").doesNotContain("UNKNOWN_TOPIC_OR_PARTITION");
    }

    @Test
    void withTopicsCreateTheAppCreatesWhatIsMissingAndRuns(TestKafka kafka) throws Exception {
        String input = TestKafka.uniqueName("create-in");
        kafka.createTopic(input, 2);
        ItSupport.Topics t = new ItSupport.Topics(input, TestKafka.uniqueName("create-out"),
                TestKafka.uniqueName("create-late"), TestKafka.uniqueName("create-dlq"));
        Map<String, String> s = ItSupport.appSettings(kafka, t, TestKafka.uniqueName("create-app"));
        s.put("topics.create", "true");
        Path log = Files.createTempFile("create", ".log");
        Process app = launch(propertiesFile(s), log);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("REBALANCING -> RUNNING"));
            String out = Files.readString(log);
            for (String created : List.of(t.output() + "' (output.topic)", t.late() + "' (late.topic)",
                    t.dlq() + "' (dead.letter.topic)")) {
                assertThat(out).contains("Created topic '" + created + ": 2 partitions, replication factor the brokers' "
                        + "default (topics.create=true)");
            }
            try (var admin = kafka.admin()) {
                assertThat(admin.describeTopics(List.of(t.output())).allTopicNames().get().get(t.output()).partitions())
                        .hasSize(2);
            }
            app.destroy();
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            app.destroyForcibly();
        }
    }

    @Test
    void unreachableBrokersGetAnErrorNamingBootstrapServersAndTheAppExitsAfterTheStartupTimeout() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens there once closed
        }
        String bootstrap = "127.0.0.1:" + port;
        Path log = Files.createTempFile("unreachable", ".log");
        long t0 = System.nanoTime();
        Process app = launch(propertiesFile(Map.of("bootstrap.servers", bootstrap, "startup.timeout.ms", "12000")), log);
        assertThat(app.waitFor(90, TimeUnit.SECONDS)).as("exits").isTrue();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertThat(app.exitValue()).isEqualTo(1);
        List<String> lines = Files.readAllLines(log);
        // within 12 s: the one ERROR line of the first 30 s, then the sentence it exits with
        assertThat(lines).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                .contains("Cannot reach Kafka at bootstrap.servers=" + bootstrap + ": no broker answered for")
                .contains("trying again for up to startup.timeout.ms=12000 ms");
        assertThat(lines).contains("Kafka did not answer at bootstrap.servers=" + bootstrap + " within startup.timeout.ms="
                + "12000: check that the brokers run and that bootstrap.servers names them.");
        // the client's own warnings (two per failed attempt) back off (1, 2, 4, 8 s ...): not one a second for 15 s
        assertThat(lines.stream().filter(l -> l.contains("WARN")).count()).isLessThanOrEqualTo(12);
        assertThat(seconds).as("waited for startup.timeout.ms").isGreaterThanOrEqualTo(12);
    }

    @Test
    void anUnknownKeyIsReportedWithTheNearestOneBeforeAnythingConnects() throws Exception {
        Path props = propertiesFile(Map.of("bootstrap.servers", "127.0.0.1:1"));
        Path script = ConfigDocs.repositoryRoot().resolve("streams-app/bin/sluice-streams-app");
        Process app = new ProcessBuilder(script.toString(), "--config", props.toString(), "-D", "windw.size.ms=5000")
                .redirectErrorStream(true).start();
        String out = new String(app.getInputStream().readAllBytes());
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isEqualTo(2);
        assertThat(out).contains("unknown key 'windw.size.ms': did you mean 'window.size.ms'?")
                .doesNotContain("Cannot reach Kafka");
    }
}
