package io.sluice.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The DDSketch operations behind windowed percentiles: adding a reading, merging two window
 * sketches (hopping windows, session merges) and reading a quantile. 1 % relative accuracy,
 * at most 2048 bins (the bounded sketch the Streams app keeps in its state store).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SketchMergeBenchmark {
    /** Readings already in each of the two sketches. */
    @Param({"100", "10000"})
    public int readings;

    private DDSketch a;
    private DDSketch b;
    private double[] values;
    private int next;

    static DDSketch newSketch() {
        return DDSketches.logarithmicCollapsingLowestDense(0.01, 2048);
    }

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(42);
        a = newSketch();
        b = newSketch();
        for (int i = 0; i < readings; i++) {
            a.accept(20 + r.nextGaussian() * 5);
            b.accept(20 + r.nextGaussian() * 5);
        }
        values = new double[4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = 20 + r.nextGaussian() * 5;
        }
    }

    @Benchmark
    public DDSketch merge() {
        DDSketch m = a.copy();
        m.mergeWith(b);
        return m;
    }

    @Benchmark
    public double add() {
        double v = values[next++ & 4095];
        a.accept(v);
        return v;
    }

    @Benchmark
    public double p99() {
        return a.getValueAtQuantile(0.99);
    }
}
