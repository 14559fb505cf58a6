package io.sluice.device.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.device.TestSourceServers;
import io.sluice.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DeviceSimulatorTest {

    @Test
    void aFleetSendsEveryReadingAndReportsIt(@TempDir Path dir) throws Exception {
        try (var server = TestSourceServers.start()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Path summary = dir.resolve("summary.json");
            int exit = new CommandLine(new DeviceSimulator(new PrintStream(bytes, true, StandardCharsets.UTF_8)))
                    .execute("--connect", "127.0.0.1:" + server.port(), "--devices", "4", "--count", "250", "--rate", "0",
                            "--batch", "50", "--summary-json", summary.toString());
            String out = bytes.toString(StandardCharsets.UTF_8);
            assertThat(exit).as(out).isZero();
            assertThat(out).contains("generated 1000, acked 1000, rejected 0, resent 0, unacknowledged 0, failed devices 0");
            JsonNode j = Json.MAPPER.readTree(summary.toFile());
            assertThat(j.get("generated").asLong()).isEqualTo(1000);
            assertThat(j.get("acked").asLong()).isEqualTo(1000);
            for (int i = 0; i < 4; i++) {
                String id = String.format("sim-%05d", i);
                assertThat(j.get("last_seq").get(id).asLong()).isEqualTo(250);
                assertThat(j.get("per_device").get(id).get("first_seq").asLong()).isEqualTo(1);
                assertThat(j.get("per_device").get(id).get("last_acked_seq").asLong()).isEqualTo(250);
                assertThat(TestSourceServers.receivedSeqs(server, id))
                        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 250).boxed().toList());
            }
        }
    }

    @Test
    void aRateIsKeptOverADurationAndTheProgressLineIsPrinted() throws Exception {
        try (var server = TestSourceServers.start()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int exit = new CommandLine(new DeviceSimulator(new PrintStream(bytes, true, StandardCharsets.UTF_8)))
                    .execute("-c", "127.0.0.1:" + server.port(), "-n", "2", "--rate", "200", "--duration", "2s");
            String out = bytes.toString(StandardCharsets.UTF_8);
            assertThat(exit).as(out).isZero();
            assertThat(out).contains("connected 2/2");
            // at 200/s for 2 s about 400 readings; the generator never runs ahead of its schedule
            long generated = Long.parseLong(out.replaceAll("(?s).*generated (\\d+), acked.*", "$1"));
            assertThat(generated).isBetween(1L, 401L);
            assertThat(out).contains("acked " + generated + ",");
        }
    }

    @Test
    void missingStopConditionIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new DeviceSimulator());
        cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertThat(cl.execute("--devices", "1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("give --duration or --count");
    }
}
