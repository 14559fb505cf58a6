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
}
