package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code ./sluice quickstart} as a user does — real processes for the broker, the Connect
 * worker, the Streams app, the devices and the peer — twice in the same data folder, and checks
 * the final accounting is complete, every process is gone and every port is free afterwards.
 */
class QuickstartIT {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path DATA = Path.of("target/quickstart-it").toAbsolutePath();

    @Test
    void runsTwiceInTheSameFolderAndAccountsForEveryReading() throws Exception {
        LocalStackSupport.deleteTree(DATA);
        List<Integer> ports = LocalStackSupport.freePorts(8);

        LocalStackSupport.Run first = quickstart(ports, "25s");
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output())
                .contains("Sluice quickstart, run 1")
                .contains("  - starting Kafka (a KRaft controller")
                .contains("=> complete: sent = acked = in Kafka = counted = delivered")
                .contains("Every process stopped; ports free.");
        assertThat(Files.exists(DATA.resolve("kafka-logs/meta.properties"))).isTrue();
        assertThat(Files.exists(DATA.resolve("kafka-controller/meta.properties"))).isTrue();
        assertNoProcessLeft();
        assertPortsFree(ports);

        // storage is already formatted: the broker starts on it, topics and offsets are kept
        LocalStackSupport.Run second = quickstart(ports, "15s");
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output())
                .contains("Sluice quickstart, run 2")
                .contains("Final accounting (run 2, devices q2-*)")
                .contains("=> complete")
                .contains("Every process stopped; ports free.");
        assertNoProcessLeft();
        assertPortsFree(ports);
    }

    private static LocalStackSupport.Run quickstart(List<Integer> ports, String duration) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("quickstart",
                "--data-dir", DATA.toString(), "--devices", "6", "--rate", "600", "--duration", duration, "--window", "4s",
                "--view", "lines",
                "--broker-port", ports.get(0).toString(), "--controller-port", ports.get(1).toString(),
                "--connect-port", ports.get(2).toString(), "--device-port", ports.get(3).toString(),
                "--line-port", ports.get(4).toString(), "--peer-port", ports.get(5).toString(),
                "--connect-jmx-port", ports.get(6).toString(), "--streams-jmx-port", ports.get(7).toString()));
        return LocalStackSupport.sluice(HOME, cmd, 5);
    }

    private static void assertNoProcessLeft() {
        assertThat(LocalStackSupport.processesUsing(DATA)).as("processes still running on %s", DATA).isEmpty();
    }

    private static void assertPortsFree(List<Integer> ports) throws IOException {
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
