package io.sluice.faults.scenario;

import java.time.Duration;
import java.util.Map;

/**
 * The two sizes of every scenario: {@code short} (the default build: a few seconds of faults, small
 * load) and {@code full} (the numbers: five kills 20–40 s apart, 30 s outages, a 60 s stall,
 * 60 s of overload).
 */
public enum Scale {
    SHORT, FULL;

    public static Scale of(String s) {
        return s == null || s.isBlank() ? SHORT : valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }

    /** Window 1 s and a small peer queue, so a stalled peer pauses the sink within seconds. */
    public Map<String, String> sinkOverrides() {
        return Map.of("peer.queue.max.records", "200", "peer.batch.max.records", "50", "peer.write.buffer.bytes", "16384");
    }

    public Scenarios.Plan connectKills() {
        return this == SHORT ? plan(20, 1000, 2, 8, 12, 0, 5) : plan(50, 5000, 5, 20, 40, 0, 15);
    }

    public Scenarios.Plan streamsKills() {
        return this == SHORT ? plan(20, 1000, 2, 8, 12, 0, 5) : plan(50, 5000, 5, 20, 40, 0, 15);
    }

    public Scenarios.Plan brokerOutage() {
        return this == SHORT ? plan(20, 1000, 2, 5, 5, 10, 3) : plan(50, 5000, 2, 20, 20, 30, 15);
    }

    public Scenarios.Plan peerStall() {
        // full: 200 devices × 2 metrics give 400 windows a second, enough to fill the socket buffers of a stopped peer
        return this == SHORT ? plan(50, 1000, 1, 5, 5, 15, 5) : plan(200, 5000, 1, 20, 20, 60, 15);
    }

    public Scenarios.Plan overload() {
        return this == SHORT ? plan(20, 1000, 1, 5, 5, 15, 5) : plan(50, 5000, 1, 20, 20, 60, 15);
    }

    public Scenarios.Plan stopCont() {
        return this == SHORT ? plan(20, 1000, 1, 5, 5, 15, 5) : plan(50, 5000, 2, 15, 25, 20, 15);
    }

    private static Scenarios.Plan plan(int devices, double rate, int faults, int minS, int maxS, int downS, int tailS) {
        return new Scenarios.Plan(devices, rate, faults, Duration.ofSeconds(minS), Duration.ofSeconds(maxS), Duration.ofSeconds(downS),
                Duration.ofSeconds(tailS), 42);
    }
}
