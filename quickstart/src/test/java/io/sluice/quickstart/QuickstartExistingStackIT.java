package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.quickstart.stack.Broker;
import io.sluice.quickstart.stack.ConnectWorker;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.StackLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ./sluice quickstart --bootstrap-servers … --connect-url …}: a broker and a Connect
 * worker that the quickstart did not start (here started beforehand, as separate processes, the
 * way a user's own would run). The run must account for every reading, stop only what it
 * started, and leave the worker without the connectors it deployed.
 */
class QuickstartExistingStackIT {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXISTING = Path.of("target/quickstart-existing-it/theirs").toAbsolutePath();
    private static final Path DATA = Path.of("target/quickstart-existing-it/ours").toAbsolutePath();

    @Test
    void usesAnExistingKafkaAndConnectAndLeavesThemAsFound() throws Exception {
        LocalStackSupport.deleteTree(EXISTING.getParent());
        Files.createDirectories(EXISTING);
        List<Integer> ports = LocalStackSupport.freePorts(8);
        StackLayout layout = new StackLayout(HOME, EXISTING);
        String kafkaCp = layout.classpath("kafka-classpath.txt");
        Broker.Settings kafka = new Broker.Settings(EXISTING, ports.get(0), ports.get(1), layout.config("broker.properties"), kafkaCp,
                "384m");
        try (JavaProcess controller = Broker.startController(kafka);
             JavaProcess broker = Broker.start(kafka);
             JavaProcess worker = ConnectWorker.start(new ConnectWorker.Settings(EXISTING, ports.get(2), "127.0.0.1:" + ports.get(0),
                     layout.config("worker.properties"),
                     Path.of(layout.pluginFolder("source-connector") + "," + layout.pluginFolder("sink-connector")),
                     kafkaCp, "512m", ports.get(3)))) {
            ConnectWorker connect = new ConnectWorker("http://127.0.0.1:" + ports.get(2));

            String output = quickstart(List.of("--bootstrap-servers", "127.0.0.1:" + ports.get(0),
                    "--connect-url", connect.url(), "--device-port", ports.get(4).toString(),
                    "--line-port", ports.get(5).toString(), "--peer-port", ports.get(6).toString(),
                    "--streams-jmx-port", ports.get(7).toString()));

            assertThat(output)
                    .doesNotContain("starting Kafka")
                    .doesNotContain("starting a Kafka Connect worker")
                    .contains("=> complete: sent = acked = in Kafka = counted = delivered")
                    .contains("Removed connector");
            assertThat(broker.isAlive()).as("the existing broker is left running").isTrue();
            assertThat(controller.isAlive()).as("the existing controller is left running").isTrue();
            assertThat(worker.isAlive()).as("the existing Connect worker is left running").isTrue();
            assertThat(connect.get("/connectors").body()).as("connectors deployed by the run are removed").isEqualTo("[]");
        }
        assertThat(LocalStackSupport.processesUsing(DATA, EXISTING)).as("processes left").isEmpty();
    }

    private static String quickstart(List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("quickstart",
                "--data-dir", DATA.toString(), "--devices", "4", "--rate", "400", "--duration", "10s", "--window", "2s",
                "--view", "lines"));
        cmd.addAll(options);
        LocalStackSupport.Run run = LocalStackSupport.sluice(HOME, cmd, 4);
        assertThat(run.exit()).as(run.output()).isZero();
        return run.output();
    }
}
