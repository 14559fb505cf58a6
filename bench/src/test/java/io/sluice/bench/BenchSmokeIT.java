package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./sluice bench} at tiny sizes, every part, one run: a real broker and Connect worker as
 * processes, Kafka's tools, the Streams topologies, the whole pipeline, JMH. Asserts that the
 * harness produced its figures and files, never how large the figures are.
 */
class BenchSmokeIT {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyPartProducesItsFiguresAndPlots() throws Exception {
        Path out = Path.of("target/bench-it/out").toAbsolutePath();
        Path data = Path.of("target/bench-it/data").toAbsolutePath();
        BenchCommand.deleteRecursively(out);
        BenchCommand command = new BenchCommand();
        int exit = BenchCommand.commandLine(command).execute("--home", HOME.toString(), "--data-dir", data.toString(), "--out",
                out.toString(), "--size", "smoke", "--runs", "1");
        assertThat(exit).isZero();

        Figures f = command.figures;
        for (String section : BenchCommand.ALL_PARTS) {
            if (!section.equals("jmh") && !section.equals("e2e")) {
                assertThat(f.pairs(section)).as(section).isNotEmpty();
            }
            for (Figures.Pair p : f.pairs(section)) {
                assertThat(p.ours().values()).as(p.what()).hasSize(1).allMatch(v -> v > 0 && Double.isFinite(v));
                assertThat(p.reference().values()).as(p.what()).hasSize(1).allMatch(v -> v > 0 && Double.isFinite(v));
            }
        }
        assertThat(f.series("e2e")).isNotEmpty().allSatisfy(s ->
                assertThat(s.values()).as(s.name()).hasSize(1).allMatch(v -> v >= 0 && Double.isFinite(v)));
        // readings went all the way: acknowledged to the devices and counted in aggregates at the peer
        assertThat(f.series("e2e").stream().filter(s -> s.name().contains("acknowledged") || s.name().contains("counted")))
                .hasSize(2).allSatisfy(s -> assertThat(s.values().get(0)).as(s.name()).isPositive());
        assertThat(f.series("jmh-values")).isNotEmpty().allSatisfy(s -> assertThat(s.values().get(0)).as(s.name()).isNotNegative())
                .anySatisfy(s -> assertThat(s.name()).contains("taken"));
        assertThat(f.series("jmh-values").stream().filter(s -> s.name().contains("taken"))).allSatisfy(s ->
                assertThat(s.values().get(0)).as(s.name()).isPositive());

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("## Source ingest", "## Streams", "## Sink", "## End to end latency", "## Memory", "## File transfer",
                "## JMH", "ProducerPerformance", "ConsumerPerformance", "| streams-app |");
        for (String png : new String[] {"throughput-vs-load.png", "latency-p99-vs-load.png", "memory-overload-heap.png",
            "memory-overload-rss.png"}) {
            assertThat(out.resolve(png)).isRegularFile();
            assertThat(Files.size(out.resolve(png))).as(png).isPositive();
        }
        // every process the harness started has stopped
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
    }
}
