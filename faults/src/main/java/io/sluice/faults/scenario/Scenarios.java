package io.sluice.faults.scenario;

import io.sluice.device.sim.DeviceFleet;
import io.sluice.faults.oracle.Oracle;
import io.sluice.faults.oracle.OracleInputs;
import io.sluice.faults.stack.FaultStack;
import io.sluice.faults.stack.HeapProbe;
import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.Jmx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The six fault scenarios. Each runs a device fleet (in this JVM) against a {@link FaultStack},
 * injects its faults on the stack's processes, stops by itself, waits until the last windows
 * reached the peers (bounded), and returns the oracle's verdict with the recovery times.
 */
public final class Scenarios {
    private static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(3);

    private Scenarios() {
    }

    /**
     * How much and how hard.
     *
     * @param devices      simulated devices
     * @param rate         readings per second over all devices
     * @param faults       how many times the fault is injected
     * @param minInterval  shortest time between faults (load runs meanwhile)
     * @param maxInterval  longest time between faults (a random time in between, from {@code seed})
     * @param down         how long a process stays down / stopped / stalled
     * @param tail         load after the last fault before the devices stop
     */
    public record Plan(int devices, double rate, int faults, Duration minInterval, Duration maxInterval, Duration down,
            Duration tail, long seed) {

        String load() {
            return String.format(Locale.ROOT, "%d devices, %,.0f readings/s", devices, rate);
        }
    }

    /** What a scenario's body can use while the fleet runs. */
    static final class Context {
        final FaultStack stack;
        final DeviceFleet fleet;
        final Plan plan;
        final List<Duration> recoveries = new ArrayList<>();
        final Map<String, String> notes = new LinkedHashMap<>();
        final HeapProbe heap = new HeapProbe();
        final Random random;
        final List<DeviceFleet.DeviceRange> extraRanges = new ArrayList<>();

        Context(FaultStack stack, DeviceFleet fleet, Plan plan) {
            this.stack = stack;
            this.fleet = fleet;
            this.plan = plan;
            this.random = new Random(plan.seed());
        }

        Duration nextInterval() {
            long min = plan.minInterval().toMillis();
            long max = Math.max(min, plan.maxInterval().toMillis());
            return Duration.ofMillis(min + (max == min ? 0 : random.nextLong(max - min + 1)));
        }

        long acked() {
            return fleet.stats().acked();
        }
    }

    interface Body {
        void run(Context c) throws Exception;
    }

    // ------------------------------------------------------------------ the scenarios

    /** 1. The Connect worker is killed with SIGKILL and restarted, {@code faults} times. */
    public static ScenarioResult connectKills(FaultStack stack, Plan plan) throws Exception {
        return run("1. Connect worker kill -9", "s1-", stack, plan, plan.faults() + " × kill -9 of the Connect worker", c -> {
            for (int i = 0; i < plan.faults(); i++) {
                waitWhileRunning(c, c.nextInterval());
                long before = c.acked();
                long t0 = System.nanoTime();
                c.stack.worker().kill();
                c.stack.startWorker();
                c.recoveries.add(awaitGrowth(c::acked, before, t0, Duration.ofMinutes(3), "acknowledgements after worker kill " + (i + 1)));
            }
            waitWhileRunning(c, plan.tail());
        });
    }

    /** 2. The Streams app is killed with SIGKILL and restarted, {@code faults} times. */
    public static ScenarioResult streamsKills(FaultStack stack, Plan plan) throws Exception {
        String g = stack.settings().processingGuarantee();
        return run("2. Streams app kill -9 (" + g + ")", "s2" + (g.startsWith("exactly") ? "e" : "a") + "-", stack, plan,
                plan.faults() + " × kill -9 of the Streams app", c -> {
                    for (int i = 0; i < plan.faults(); i++) {
                        waitWhileRunning(c, c.nextInterval());
                        long before = committedEnd(c.stack, FaultStack.AGGREGATES);
                        long t0 = System.nanoTime();
                        c.stack.streams().kill();
                        c.stack.startStreams();
                        c.recoveries.add(awaitGrowth(() -> committedEnd(c.stack, FaultStack.AGGREGATES), before, t0, Duration.ofMinutes(3),
                                "aggregates after Streams kill " + (i + 1)));
                    }
                    waitWhileRunning(c, plan.tail());
                });
    }

    /** 3. The broker is stopped (SIGTERM) for {@code down}, restarted; then the same with SIGKILL. */
    public static ScenarioResult brokerOutage(FaultStack stack, Plan plan) throws Exception {
        return run("3. Broker down (SIGTERM, then kill -9)", "s3-", stack, plan,
                "broker SIGTERM, " + plan.down().toSeconds() + " s down; broker kill -9, " + plan.down().toSeconds() + " s down", c -> {
                    long dropsBefore = sourceMetric(c.stack, "readings-dropped-total");
                    for (int i = 0; i < 2; i++) {
                        waitWhileRunning(c, c.nextInterval());
                        if (i == 0) {
                            c.stack.broker().stop(Duration.ofSeconds(60));
                        } else {
                            c.stack.broker().kill();
                        }
                        long downAt = System.nanoTime();
                        long ackedDown = c.acked();
                        waitWhileRunning(c, c.plan.down(), false);
                        long ackedDuring = c.acked() - ackedDown;
                        long blocked = c.fleet.stats().inFlight();
                        c.notes.put("outage " + (i + 1), String.format(Locale.ROOT,
                                "%s, %.0f s: %,d readings in flight at the devices (held, not dropped), %,d acknowledged while down",
                                i == 0 ? "SIGTERM" : "kill -9", (System.nanoTime() - downAt) / 1e9, blocked, ackedDuring));
                        long before = c.acked();
                        long t0 = System.nanoTime();
                        c.stack.startBroker();
                        c.recoveries.add(awaitGrowth(c::acked, before, t0, Duration.ofMinutes(3), "acknowledgements after broker restart"));
                    }
                    waitWhileRunning(c, plan.tail());
                    long drops = sourceMetric(c.stack, "readings-dropped-total") - dropsBefore;
                    c.notes.put("readings dropped by the source (policy block)", Long.toString(drops));
                    if (drops != 0) {
                        throw new ScenarioFailure("the source dropped " + drops + " readings under the block policy");
                    }
                });
    }

    /** 4. A durable peer is stopped for {@code down}, continued; then killed and restarted. */
    public static ScenarioResult peerStall(FaultStack stack, Plan plan) throws Exception {
        String peer = stack.settings().peers().get(0);
        return run("4. Durable peer stalled, then killed", "s4-", stack, plan,
                "peer kill -STOP for " + plan.down().toSeconds() + " s, kill -CONT; peer kill -9 and restart", c -> {
                    waitWhileRunning(c, c.nextInterval());
                    Map<String, JavaProcess> watched = new LinkedHashMap<>(Map.of("connect", c.stack.worker()));
                    long heapBefore = c.heap.sample(watched).getOrDefault("connect", -1L);
                    double pausedBefore = sinkMetric(c.stack, "paused-time-ms-total");
                    c.stack.peer(peer).signal("STOP");
                    long end = System.nanoTime() + c.plan.down().toNanos();
                    long peakDuring = heapBefore;
                    double maxPaused = 0;
                    while (System.nanoTime() < end) {
                        c.stack.requireAlive();
                        peakDuring = Math.max(peakDuring, c.heap.sample(watched).getOrDefault("connect", -1L));
                        maxPaused = Math.max(maxPaused, sinkMetric(c.stack, "partitions-paused"));
                        Thread.sleep(Math.min(3000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                    }
                    long before = size(c.stack.peerOutput(peer));
                    long t0 = System.nanoTime();
                    c.stack.peer(peer).signal("CONT");
                    c.recoveries.add(awaitGrowth(() -> size(c.stack.peerOutput(peer)), before, t0, Duration.ofMinutes(2),
                            "peer output after CONT"));
                    double pausedMs = sinkMetric(c.stack, "paused-time-ms-total") - pausedBefore;
                    c.notes.put("sink while the peer was stopped", String.format(Locale.ROOT,
                            "partitions paused up to %.0f at once, %.1f s paused in total; worker heap in use %s before, at most %s during",
                            maxPaused, pausedMs / 1000, mb(heapBefore), mb(peakDuring)));
                    waitWhileRunning(c, c.nextInterval());
                    c.stack.peer(peer).kill();
                    before = size(c.stack.peerOutput(peer));
                    t0 = System.nanoTime();
                    c.stack.startPeer(peer);
                    c.recoveries.add(awaitGrowth(() -> size(c.stack.peerOutput(peer)), before, t0, Duration.ofMinutes(2),
                            "peer output after restart"));
                    waitWhileRunning(c, plan.tail());
                });
    }

    /**
     * 5. Overload: for {@code down}, the source's writes are capped (a broker quota on its producer)
     * at a little above the base rate, and a second fleet asks for {@code overloadFactor} times the
     * base rate on top: the devices ask for about {@code overloadFactor + 1} / 1.1 times what gets
     * through. Heap of every process sampled; then the cap is lifted and the backlog drains.
     */
    public static ScenarioResult overload(FaultStack stack, Plan plan, int overloadFactor) throws Exception {
        return run("5. Overload ×" + overloadFactor, "s5-", stack, plan,
                String.format(Locale.ROOT, "source capped at ~1.1× the base rate and a second fleet at %,.0f readings/s, for %d s",
                        plan.rate() * overloadFactor, plan.down().toSeconds()), c -> {
                    waitWhileRunning(c, c.nextInterval());
                    long dropsBefore = sourceMetric(c.stack, "readings-dropped-total");
                    long refusalsBefore = sourceMetric(c.stack, "buffer-full-refusals-total");
                    long pausesBefore = sourceMetric(c.stack, "connections-paused-total");
                    double bytesPerReading = c.stack.readingsBytesPerRecord();
                    long cap = (long) (plan.rate() * 1.1 * bytesPerReading);
                    DeviceFleet.Settings s = fleetSettings(c.stack, "s5x-", plan.devices(), plan.rate() * overloadFactor);
                    long t0 = System.nanoTime();
                    long ackedBefore = c.acked();
                    c.stack.capSource(cap);
                    try (DeviceFleet burst = DeviceFleet.start(s)) {
                        long end = System.nanoTime() + plan.down().toNanos();
                        try {
                            while (System.nanoTime() < end) {
                                c.stack.requireAlive();
                                c.heap.sample(processes(c.stack));
                                Thread.sleep(Math.min(5000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                            }
                        } finally {
                            c.stack.capSource(0);
                        }
                        double seconds = plan.down().toMillis() / 1000.0;
                        double through = (c.acked() - ackedBefore + burst.stats().acked()) / seconds;
                        double asked = plan.rate() * (overloadFactor + 1);
                        c.notes.put("cap on the source during the overload", String.format(Locale.ROOT,
                                "%,d bytes/s (%.0f bytes per reading in the topic); %,.0f readings/s acknowledged while the devices "
                                        + "asked %,.0f/s: %.1f× what got through", cap, bytesPerReading, through, asked, asked / through));
                        burst.stopGenerating();
                        c.notes.put("overload fleet", String.format(Locale.ROOT, "%,d readings acknowledged in %d s (%,.0f/s sustained)",
                                burst.stats().acked(), plan.down().toSeconds(), burst.stats().acked() / (double) plan.down().toSeconds()));
                        long f0 = System.nanoTime();
                        if (!burst.flush(FLUSH_TIMEOUT)) {
                            throw new ScenarioFailure("the overload fleet's readings were not all acknowledged within " + FLUSH_TIMEOUT);
                        }
                        c.recoveries.add(Duration.ofNanos(System.nanoTime() - f0));
                        c.extraRanges.addAll(burst.ranges());
                    }
                    c.notes.put("source under overload", String.format(Locale.ROOT,
                            "connections paused %,d times, readings refused by the full buffer %,d, dropped %,d",
                            sourceMetric(c.stack, "connections-paused-total") - pausesBefore,
                            sourceMetric(c.stack, "buffer-full-refusals-total") - refusalsBefore,
                            sourceMetric(c.stack, "readings-dropped-total") - dropsBefore));
                    c.notes.put("heap in use, peak (of -Xmx 512 MiB; peers 256 MiB)", peaks(c.heap));
                    c.notes.put("overload duration", (System.nanoTime() - t0) / 1_000_000_000 + " s");
                    waitWhileRunning(c, plan.tail());
                });
    }

    /** 6. The worker, then the Streams app, is stopped (SIGSTOP) beyond its session timeout and continued. */
    public static ScenarioResult stopCont(FaultStack stack, Plan plan) throws Exception {
        return run("6. kill -STOP / -CONT of worker and app", "s6-", stack, plan,
                plan.faults() + " × (worker STOP " + plan.down().toSeconds() + " s, CONT; app STOP " + plan.down().toSeconds() + " s, CONT)",
                c -> {
                    for (int i = 0; i < plan.faults(); i++) {
                        waitWhileRunning(c, c.nextInterval());
                        c.stack.worker().signal("STOP");
                        waitWhileRunning(c, plan.down(), false);
                        long before = c.acked();
                        long t0 = System.nanoTime();
                        c.stack.worker().signal("CONT");
                        c.recoveries.add(awaitGrowth(c::acked, before, t0, Duration.ofMinutes(3), "acknowledgements after worker CONT"));
                        waitWhileRunning(c, c.nextInterval());
                        c.stack.streams().signal("STOP");
                        waitWhileRunning(c, plan.down(), false);
                        before = committedEnd(c.stack, FaultStack.AGGREGATES);
                        t0 = System.nanoTime();
                        c.stack.streams().signal("CONT");
                        c.recoveries.add(awaitGrowth(() -> committedEnd(c.stack, FaultStack.AGGREGATES), before, t0, Duration.ofMinutes(3),
                                "aggregates after app CONT"));
                    }
                    waitWhileRunning(c, plan.tail());
                });
    }

    // ------------------------------------------------------------------ the common run

    static final class ScenarioFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ScenarioFailure(String message) {
            super(message);
        }
    }

    static ScenarioResult run(String name, String prefix, FaultStack stack, Plan plan, String faults, Body body) throws Exception {
        long started = System.nanoTime();
        Map<String, Integer> restartsBefore = stack.taskRestarts();
        int hangingBefore = stack.hangingTransactionsFound();
        List<String> failures = new ArrayList<>();
        Context c;
        List<DeviceFleet.DeviceRange> ranges;
        try (DeviceFleet fleet = DeviceFleet.start(fleetSettings(stack, prefix, plan.devices(), plan.rate()))) {
            c = new Context(stack, fleet, plan);
            awaitGrowth(c::acked, 0, System.nanoTime(), Duration.ofMinutes(2), "first acknowledgement");
            try {
                body.run(c);
            } catch (ScenarioFailure | io.sluice.quickstart.stack.StackException e) {
                failures.add(e.getMessage());
            }
            fleet.stopGenerating();
            if (!fleet.flush(FLUSH_TIMEOUT)) {
                failures.add(String.format(Locale.ROOT, "%,d readings still unacknowledged %s after the devices stopped",
                        fleet.stats().inFlight(), FLUSH_TIMEOUT));
            }
            ranges = fleet.ranges();
        }
        long settleTimeout = stack.settings().window().plus(stack.settings().grace()).plus(stack.settings().idleClose())
                .plusSeconds(90).toNanos();
        long deadline = System.nanoTime() + settleTimeout;
        Oracle.Verdict v;
        boolean eosApp = stack.settings().processingGuarantee().startsWith("exactly_once");
        while (true) {
            Oracle o = new Oracle(stack.settings().window().toMillis(), prefix.substring(0, 2));
            if (stack.settings().deviceGraceMs() >= 0) {
                o.closingPerDevice(stack.settings().deviceGraceMs());
            }
            ranges.forEach(r -> o.sent(r.device(), r.first(), r.last(), r.lastAcked()));
            c.extraRanges.forEach(r -> o.sent(r.device(), r.first(), r.last(), r.lastAcked()));
            OracleInputs.readTopics(o, stack.bootstrapServers(), FaultStack.READINGS, FaultStack.LATE, FaultStack.AGGREGATES);
            OracleInputs.readPeerFiles(o, stack.peerOutputs());
            v = o.verdict();
            boolean settled = v.everyReadingCounted() && v.peerMissing() == 0 && v.lost() == 0;
            if (settled || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(2000);
        }
        if (v.lost() > 0) {
            failures.add(v.lost() + " acknowledged readings are not in the readings topic");
        }
        if (v.peerMissing() > 0) {
            failures.add(v.peerMissing() + " final windows did not reach a durable peer");
        }
        if (v.peerNotCommitted() > 0) {
            failures.add(v.peerNotCommitted() + " records reached a peer that are not committed final windows of the topic");
        }
        if (!v.everyReadingCounted()) {
            failures.add(String.format(Locale.ROOT, "counted %,d + late %,d != %,d copies in the readings topic (%d windows not emitted)",
                    v.counted(), v.late(), v.inTopic() + v.duplicates(), v.windowsMissing()));
        }
        if (stack.settings().exactlyOnceSource() && v.duplicates() > 0) {
            failures.add(v.duplicates() + " duplicate copies in the readings topic with exactly-once source support on");
        }
        if (eosApp && v.lateRepeated() > 0) {
            failures.add(v.lateRepeated() + " late records written twice with exactly_once_v2");
        }
        if (eosApp && !v.windowsExact()) {
            failures.add(v.diffs().size() + " final windows differ from the recomputation with exactly_once_v2");
        }
        if (!eosApp) {
            c.notes.put("at_least_once over-count", String.format(Locale.ROOT,
                    "%,d readings counted twice in %d windows; %d finals emitted twice; %,d late records written twice",
                    v.overCount(), v.diffs().size(), v.repeatedFinals(), v.lateRepeated()));
        }
        Map<String, Integer> restarts = new java.util.TreeMap<>(stack.taskRestarts());
        restarts.replaceAll((connector, n) -> n - restartsBefore.getOrDefault(connector, 0));
        restarts.values().removeIf(n -> n == 0);
        if (!restarts.isEmpty()) {
            c.notes.put("failed connectors or tasks restarted by the launcher", restarts.toString());
        }
        int hanging = stack.hangingTransactionsFound() - hangingBefore;
        if (hanging > 0) {
            c.notes.put("hanging transactions found (partitions; not aborted)", Integer.toString(hanging));
        }
        return new ScenarioResult(name, plan.load(), faults, v, c.recoveries, Duration.ofNanos(System.nanoTime() - started), c.notes,
                failures.isEmpty(), failures.isEmpty() ? null : String.join("; ", failures));
    }

    static DeviceFleet.Settings fleetSettings(FaultStack stack, String prefix, int devices, double rate) {
        // runs until stopGenerating(); the hour is only a bound
        return new DeviceFleet.Settings(List.of(stack.deviceEndpoint()), devices, prefix, rate, 0, Duration.ofHours(1),
                List.of("temperature", "pressure"), 50, Duration.ofMillis(20), 20_000, "", null, 1);
    }

    /** Waits {@code d} while checking the stack's processes are alive (pacing between faults, not waiting for a result). */
    static void waitWhileRunning(Context c, Duration d) throws InterruptedException {
        waitWhileRunning(c, d, true);
    }

    static void waitWhileRunning(Context c, Duration d, boolean checkAlive) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (checkAlive) {
                c.stack.requireAlive();
            }
            Thread.sleep(Math.max(1, Math.min(500, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    /** Polls until {@code value} exceeds {@code before}; returns the time since {@code t0}. */
    static Duration awaitGrowth(LongSupplier value, long before, long t0, Duration timeout, String what) throws InterruptedException {
        long deadline = t0 + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (value.getAsLong() > before) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            Thread.sleep(100);
        }
        throw new ScenarioFailure("no " + what + " within " + timeout.toSeconds() + " s");
    }

    /** Sum of the committed (last stable) end offsets of a topic. */
    static long committedEnd(FaultStack stack, String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return c.endOffsets(parts, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static Map<String, JavaProcess> processes(FaultStack s) {
        Map<String, JavaProcess> m = new LinkedHashMap<>();
        m.put("controller", s.controller());
        m.put("broker", s.broker());
        m.put("connect", s.worker());
        m.put("streams", s.streams());
        s.settings().peers().forEach(p -> m.put(p, s.peer(p)));
        return m;
    }

    static String peaks(HeapProbe heap) {
        StringBuilder b = new StringBuilder();
        heap.peaks().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(mb(v)));
        return b.toString();
    }

    static String mb(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    /** A source task metric (summed over tasks), or -1 if it cannot be read. */
    static long sourceMetric(FaultStack s, String attribute) {
        return (long) connectMetric(s, s.sourceName(), attribute);
    }

    static double sinkMetric(FaultStack s, String attribute) {
        return connectMetric(s, s.sinkName(), attribute);
    }

    static double connectMetric(FaultStack s, String connector, String attribute) {
        try (Jmx jmx = Jmx.connect(s.ports().connectJmx())) {
            double sum = 0;
            boolean found = false;
            for (ObjectName n : jmx.names("kafka.connect:type=plugins,connector=" + connector + ",*")) {
                if (n.getKeyProperty("task") == null || n.getKeyPropertyList().size() != 3) {
                    continue;
                }
                double v = jmx.number(n, attribute);
                if (!Double.isNaN(v)) {
                    sum += v;
                    found = true;
                }
            }
            return found ? sum : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
