package io.sluice.faults;

import io.sluice.faults.scenario.ScenarioResult;
import io.sluice.faults.scenario.Scale;
import io.sluice.faults.scenario.Scenarios;
import io.sluice.faults.stack.FaultStack;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sluice faults}: the six fault scenarios on real processes, one after the other, each
 * with the oracle's verdict; exit 0 only if every scenario passed. Scenarios 1 and 3–6 share a
 * stack with exactly-once on (source and Streams app); scenario 2 runs twice, on that stack and on
 * a second one with the Streams app at {@code at_least_once} (its over-count is reported).
 */
@Command(name = "sluice faults", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Kill, stop and stall the real stack's processes under device load and count every reading.")
public final class FaultsCommand implements Callable<Integer> {
    @Option(names = "--scale", defaultValue = "full", description = "short or full (default: ${DEFAULT-VALUE}).")
    String scale;

    @Option(names = "--scenarios", split = ",", defaultValue = "1,2,3,4,5,6", description = "Which scenarios (default: all).")
    List<Integer> scenarios;

    @Option(names = "--exactly-once-source", defaultValue = "true", arity = "1",
            description = "The worker's exactly.once.source.support (default: ${DEFAULT-VALUE}); false runs the source at least "
                    + "once: duplicates are then counted, not failed.")
    boolean exactlyOnceSource;

    @Option(names = "--home", defaultValue = ".", description = "The Sluice checkout (config/, built modules).")
    Path home;

    @Option(names = "--data-dir", description = "Broker storage, logs and results (default: <home>/.sluice/faults).")
    Path dataDir;

    private final PrintStream out = System.out;
    private volatile FaultStack running;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FaultsCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Scale sc = Scale.of(scale);
        home = home.toAbsolutePath().normalize();
        Path data = (dataDir != null ? dataDir : home.resolve(".sluice/faults")).toAbsolutePath();
        deleteTree(data);
        Files.createDirectories(data);
        Path report = data.resolve("results.md");
        List<ScenarioResult> results = new ArrayList<>();
        String cmd = "./sluice faults --scale " + sc.name().toLowerCase(java.util.Locale.ROOT)
                + (exactlyOnceSource ? "" : " --exactly-once-source false") + " --scenarios ";
        FaultStack.Settings eos = FaultStack.Settings.defaults(home, data.resolve("eos")).withSink(sc.sinkOverrides())
                .withPeers(List.of("peer-a", "peer-b")).withExactlyOnceSource(exactlyOnceSource);
        // Ctrl-C or SIGTERM stops the stack's processes too, not only this JVM
        Thread hook = new Thread(() -> {
            FaultStack s = running;
            if (s != null) {
                s.close();
            }
        }, "sluice-faults-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        if (!scenarios.isEmpty()) {
            out.println("starting the stack (" + (exactlyOnceSource ? "exactly-once" : "at-least-once")
                    + " source, exactly-once Streams app) in " + eos.dataDir());
            try (FaultStack stack = FaultStack.start(eos)) {
                running = stack;
                for (int n : scenarios) {
                    ScenarioResult r;
                    try {
                        r = run(stack, sc, n);
                    } catch (Exception e) {
                        out.println("scenario " + n + " could not run to its end: " + e);
                        stack.requireAlive();
                        continue;
                    }
                    record(r, cmd + n, report, results);
                }
            }
        }
        if (scenarios.contains(2)) {
            FaultStack.Settings alos = eos.withGuarantee("at_least_once").withPeers(List.of("peer-a"));
            alos = new FaultStack.Settings(alos.home(), data.resolve("alos"), alos.processingGuarantee(), alos.exactlyOnceSource(),
                    alos.window(), alos.grace(), alos.idleClose(), alos.peers(), alos.source(), alos.sink(), alos.streams());
            out.println("starting a second stack (Streams app at_least_once) in " + alos.dataDir());
            try (FaultStack stack = FaultStack.start(alos)) {
                running = stack;
                record(Scenarios.streamsKills(stack, sc.streamsKills()), cmd + "2", report, results);
            }
        }
        running = null;
        Runtime.getRuntime().removeShutdownHook(hook);
        out.println();
        out.println(ScenarioResult.tableHeader());
        results.forEach(r -> out.println(r.tableRow(cmd + r.scenario().charAt(0))));
        return results.size() == scenarios.size() + (scenarios.contains(2) ? 1 : 0) && results.stream().allMatch(ScenarioResult::passed)
                ? 0 : 1;
    }

    private ScenarioResult run(FaultStack stack, Scale sc, int n) throws Exception {
        return switch (n) {
            case 1 -> Scenarios.connectKills(stack, sc.connectKills());
            case 2 -> Scenarios.streamsKills(stack, sc.streamsKills());
            case 3 -> Scenarios.brokerOutage(stack, sc.brokerOutage());
            case 4 -> Scenarios.peerStall(stack, sc.peerStall());
            case 5 -> Scenarios.overload(stack, sc.overload(), 10);
            case 6 -> Scenarios.stopCont(stack, sc.stopCont());
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "no scenario " + n);
        };
    }

    private void record(ScenarioResult r, String command, Path report, List<ScenarioResult> results) throws java.io.IOException {
        results.add(r);
        out.println(r.render());
        Files.writeString(report, r.render() + "\n" + r.tableRow(command) + "\n\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
