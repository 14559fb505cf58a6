package io.sluice.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH micro-benchmarks of {@code io.sluice.bench.jmh} (codec, sketch, DeviceBuffer under
 * contention), each in a forked JVM, with the iteration counts of the chosen size.
 */
final class JmhBench {
    static final String SECTION = "jmh";

    private JmhBench() {
    }

    static void run(Figures figures, BenchCommand.Sizes sizes, String classpath, java.nio.file.Path log) throws Exception {
        java.nio.file.Files.createDirectories(log.getParent());
        Options opts = new OptionsBuilder()
                .include(sizes.jmhInclude)
                .forks(1)
                .warmupIterations(sizes.jmhWarmups)
                .warmupTime(TimeValue.milliseconds(sizes.jmhIterationMs))
                .measurementIterations(sizes.jmhIterations)
                .measurementTime(TimeValue.milliseconds(sizes.jmhIterationMs))
                .timeUnit(TimeUnit.SECONDS)
                .jvmArgs("-Xmx512m", "-cp", classpath)
                .shouldFailOnError(true)
                .output(log.toString())
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        List<String> rows = new ArrayList<>();
        rows.add("| benchmark | parameters | score | ± (99.9 %) | unit |");
        rows.add("| --- | --- | ---: | ---: | --- |");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replace("io.sluice.bench.jmh.", "");
            String params = String.join(", ", r.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + r.getParams().getParam(k)).toList());
            add(figures, rows, name, params, r.getPrimaryResult());
            for (var e : r.getSecondaryResults().entrySet()) {
                add(figures, rows, name + ":" + e.getKey(), params, e.getValue());
            }
        }
        figures.note(SECTION, String.join("\n", rows));
        figures.note(SECTION, String.format("Settings: one fork per benchmark, %d × %d ms warm-up, %d × %d ms measurement; codec scores "
                + "are readings per second (a 500-reading batch frame per call); DeviceBuffer: two threads offer (each its own device), "
                + "one polls batches of up to 500; `taken` is readings the buffer took per second, `full` offers it refused (block "
                + "policy, buffer full), `polled` readings the task thread took out, `poll` batches per second.",
                sizes.jmhWarmups, sizes.jmhIterationMs, sizes.jmhIterations, sizes.jmhIterationMs));
    }

    private static void add(Figures figures, List<String> rows, String name, String params, Result<?> r) {
        rows.add(String.format("| %s | %s | %s | %s | %s |", name, params, Figures.fmt(r.getScore()),
                Double.isNaN(r.getScoreError()) ? "" : Figures.fmt(r.getScoreError()), r.getScoreUnit()));
        figures.series("jmh-values", name + " " + params, r.getScoreUnit()).add(r.getScore());
    }
}
