package io.sluice.faults.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.faults.stack.FaultStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scenarios 1, 3 and 4 (short version) on one stack of real processes (at-least-once source,
 * exactly-once Streams app, read-committed sink): the Connect worker killed,
 * the broker stopped and killed, a durable peer stalled and killed. Each scenario's devices have
 * their own id prefix; the oracle counts every reading from the devices to the peer.
 * {@code -Pfaults-full} runs the full sizes ({@code faults.scale=full}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultScenariosIT {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path DATA = Path.of("target/faults-it").toAbsolutePath();
    private static final Scale SCALE = Scale.of(System.getProperty("faults.scale"));
    private static FaultStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        deleteTree(DATA);
        FaultStack.Settings s = FaultStack.Settings.defaults(HOME, DATA).withSink(SCALE.sinkOverrides());
        // At-least-once source: its replays after a worker kill are what the oracle must tell from losses, and it
        // never lost a reading here; the exactly-once source passed scenario 3 only since the launcher runs the
        // KRaft controller apart (docs/RELIABILITY.md). Duplicates are counted; ExactlyOnceRestartIT shows none
        // with exactly-once support across a restart, `./sluice faults` runs all six with it.
        s = s.withPeers(List.of("peer-a", "peer-b")).withExactlyOnceSource(false);
        stack = FaultStack.start(s);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void connectWorkerKilledLosesNothingAcknowledged() throws Exception {
        check(Scenarios.connectKills(stack, SCALE.connectKills()));
    }

    @Test
    @Order(2)
    void brokerStoppedAndKilledLosesNothingAcknowledged() throws Exception {
        check(Scenarios.brokerOutage(stack, SCALE.brokerOutage()));
    }

    @Test
    @Order(3)
    void stalledAndKilledPeerGetsEveryWindowAfterwards() throws Exception {
        check(Scenarios.peerStall(stack, SCALE.peerStall()));
    }

    private static void check(ScenarioResult r) throws Exception {
        Files.createDirectories(DATA);
        Files.writeString(DATA.resolve("results.txt"), r.render() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertThat(r.passed()).as(r.render()).isTrue();
        assertThat(r.verdict().acked()).as("readings acknowledged").isPositive();
        assertThat(r.verdict().lost()).isZero();
        assertThat(r.verdict().peerMissing()).isZero();
        assertThat(r.verdict().windows()).isPositive();
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
