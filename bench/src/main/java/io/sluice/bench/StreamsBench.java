package io.sluice.bench;

import io.sluice.quickstart.stack.JavaProcess;
import io.sluice.quickstart.stack.StackException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Records per second through the Sluice topology against a plain Kafka Streams windowed
 * aggregate (parse, group by key, window, count/sum/min/max) over the same topic, windows and
 * guarantee, each topology in a JVM of its own from a fresh application id, tumbling and hopping,
 * run after run in alternating order. Wall-clock rate plus records per stream-thread CPU second
 * (which other load on a shared machine disturbs less).
 */
final class StreamsBench {
    static final String SECTION = "streams";

    private final BenchStack stack;
    private final Figures figures;
    private final BenchCommand.Sizes sizes;
    private int run;

    StreamsBench(BenchStack stack, Figures figures, BenchCommand.Sizes sizes) {
        this.stack = stack;
        this.figures = figures;
        this.sizes = sizes;
    }

    void run(int runs) throws Exception {
        String topic = "bench-streams-readings";
        stack.createTopic(topic, 1, Map.of());
        long t0 = System.nanoTime();
        StreamsChild.produce(stack.bootstrap(), topic, sizes.streamsRecords, sizes.streamsDevices);
        System.err.printf("streams: produced %,d readings in %.1f s%n", sizes.streamsRecords, (System.nanoTime() - t0) / 1e9);
        for (String window : sizes.streamsWindows) {
            String w = window.equals("tumbling") ? "tumbling 10 s" : "hopping 60 s / 10 s";
            Figures.Pair wall = figures.pair(SECTION, w + ", at_least_once, wall clock", "Sluice topology", "plain Streams",
                    "records/s", window.equals("tumbling") ? "≥ 1.0" : null);
            Figures.Pair cpu = figures.pair(SECTION, w + ", at_least_once, per stream-thread CPU second", "Sluice topology",
                    "plain Streams", "records/CPU s", null);
            Figures.Series heapOurs = figures.series(SECTION, w + ": Sluice topology, peak heap", "MiB");
            Figures.Series heapPlain = figures.series(SECTION, w + ": plain Streams, peak heap", "MiB");
            Figures.Series rssOurs = figures.series(SECTION, w + ": Sluice topology, peak RSS", "MiB");
            Figures.Series rssPlain = figures.series(SECTION, w + ": plain Streams, peak RSS", "MiB");
            for (int i = 0; i < runs; i++) {
                // alternate which goes first, so a drift in the machine's load spreads over both
                double[] ours;
                double[] plain;
                if (i % 2 == 0) {
                    ours = child(topic, "sluice", window);
                    plain = child(topic, "plain", window);
                } else {
                    plain = child(topic, "plain", window);
                    ours = child(topic, "sluice", window);
                }
                wall.ours().add(ours[2]);
                wall.reference().add(plain[2]);
                cpu.ours().add(ours[3]);
                cpu.reference().add(plain[3]);
                heapOurs.add(ours[5] / (1 << 20));
                heapPlain.add(plain[5] / (1 << 20));
                rssOurs.add(ours[6] / (1 << 20));
                rssPlain.add(plain[6] / (1 << 20));
                System.err.printf("streams %s run %d: sluice %.0f/s, plain %.0f/s%n", window, i + 1, ours[2], plain[2]);
            }
        }
        stack.deleteTopics(List.of(topic));
        figures.note(SECTION, String.format("Settings: %,d readings in TelemetryJson from %,d devices (each reading once a second, "
                + "event times ending now) on a one-partition topic, written before the runs; windows 10 s tumbling or 60 s hopping "
                + "by 10 s, grace 1 s, `emit=final`, default statistics (count, sum, min, max, mean, stddev, first, last); "
                + "both topologies get `StreamsAppTopology.streamsConfig` (one stream thread, 10 MiB record cache, "
                + "`buffered.records.per.partition` 1000, bounded RocksDB) and `-Xmx1g`; each run from a fresh application id.",
                sizes.streamsRecords, sizes.streamsDevices));
    }

    /** {records, seconds, records/s, per stream-thread CPU s, per process CPU s, peak heap, peak RSS}. */
    private double[] child(String topic, String kind, String window) throws Exception {
        String appId = "bench-streams-" + (++run) + "-" + kind + "-" + window;
        JavaProcess p = stack.startBenchChild(appId, StreamsChild.class.getName(), List.of("-Xmx1g"), List.of(stack.bootstrap(),
                topic, Integer.toString(sizes.streamsRecords), appId, kind, window, "at_least_once", "default"));
        int exit = p.waitFor(Duration.ofMinutes(15));
        stack.forget(p);
        if (exit != 0) {
            p.stop(Duration.ofSeconds(10));
            throw new StackException(appId + " failed (exit " + exit + "):\n" + p.tail(30));
        }
        String line = Files.readAllLines(p.logFile()).stream().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new StackException(appId + " printed no result:\n" + p.tail(30)));
        String[] f = line.substring(7).trim().split(" ");
        double[] r = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = Double.parseDouble(f[i]);
        }
        if (r[0] < sizes.streamsRecords) {
            throw new StackException(appId + " processed " + (long) r[0] + " of " + sizes.streamsRecords + " readings");
        }
        stack.deleteTopics(List.of(appId + "-out", appId + "-late", appId + "-dlq"));
        return r;
    }
}
