package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartCommandTest {

    @Test
    void aTakenPortIsOneClearSentenceAndNothingStarts(@TempDir Path data) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            var cl = QuickstartCommand.commandLine(new QuickstartCommand(new PrintStream(out, true, StandardCharsets.UTF_8)));
            cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            int exit = cl.execute("--home", Path.of("..").toAbsolutePath().normalize().toString(), "--data-dir", data.toString(),
                    "--broker-port", Integer.toString(taken.getLocalPort()));
            String message = err.toString(StandardCharsets.UTF_8);
            assertThat(exit).isEqualTo(1);
            assertThat(message).startsWith("sluice quickstart: port " + taken.getLocalPort() + " (Kafka broker) is already in use")
                    .contains("ss -ltnp").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("starting Kafka");
        }
    }

    @Test
    void aBadDurationIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cl = QuickstartCommand.commandLine(new QuickstartCommand());
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        assertThat(cl.execute("--duration", "soon")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'soon' is not a duration");
    }
}
