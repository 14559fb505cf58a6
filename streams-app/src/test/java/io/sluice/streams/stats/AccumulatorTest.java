package io.sluice.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.telemetry.Aggregate;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AccumulatorTest {
    private static final SketchFactory SKETCHES = new SketchFactory(0.01, 2048);
    private static final List<Statistic> ALL = Statistic.parseAll(
            List.of("sum", "min", "max", "mean", "stddev", "first", "last", "p50", "p90", "p99"));

    private static Aggregate agg(Accumulator a) {
        return a.toAggregate("d", "m", Map.of(), "tumbling", true, "stream_time", ALL, 0);
    }

    private static Accumulator roundTrip(Accumulator a) {
        return Accumulator.fromBytes(a.toBytes(), SKETCHES);
    }

    @Test
    void survivesItsByteFormWithFewValuesAndWithManyAndKeepsAddingAfterwards() {
        Random rnd = new Random(1);
        for (int n : new int[] {0, 1, 5, Accumulator.RAW_MAX, Accumulator.RAW_MAX + 1, 500}) {
            Accumulator a = new Accumulator(0, 10, SKETCHES);
            Accumulator direct = new Accumulator(0, 10, SKETCHES);
            for (int i = 0; i < n; i++) {
                double v = rnd.nextGaussian() * 100;
                // through the bytes after every value, as the store does
                a = roundTrip(a);
                a.add(i, v);
                direct.add(i, v);
            }
            assertThat(agg(roundTrip(a))).as("n=%d", n).isEqualTo(agg(direct));
        }
    }

    @Test
    void percentilesFromFewRawValuesEqualThoseOfASketchFedTheSameValues() {
        Accumulator a = new Accumulator(0, 10, SKETCHES);
        var sketch = SKETCHES.create();
        double[] values = {5, 1, 9, 3, 7, 2, 8};
        for (int i = 0; i < values.length; i++) {
            a.add(i, values[i]);
            sketch.accept(values[i]);
        }
        Aggregate g = agg(a);
        assertThat(g.percentiles().get("p50")).isEqualTo(sketch.getValueAtQuantile(0.5));
        assertThat(g.percentiles().get("p99")).isEqualTo(sketch.getValueAtQuantile(0.99));
    }

    @Test
    void mergesRawWithRawRawWithSketchAndSketchWithRawToTheSameResult() {
        Random rnd = new Random(2);
        double[] small = rnd.doubles(10, 0, 100).toArray();
        double[] large = rnd.doubles(300, 0, 100).toArray();
        Accumulator all = new Accumulator(0, 10, SKETCHES);
        for (double v : small) {
            all.add(1, v);
        }
        for (double v : large) {
            all.add(2, v);
        }
        Accumulator s1 = new Accumulator(0, 10, SKETCHES);
        Accumulator l1 = new Accumulator(0, 10, SKETCHES);
        for (double v : small) {
            s1.add(1, v);
        }
        for (double v : large) {
            l1.add(2, v);
        }
        Accumulator rawFirst = new Accumulator(0, 10, SKETCHES);
        rawFirst.merge(roundTrip(s1));
        rawFirst.merge(roundTrip(l1));
        Accumulator sketchFirst = new Accumulator(0, 10, SKETCHES);
        sketchFirst.merge(roundTrip(l1));
        sketchFirst.merge(roundTrip(s1));
        assertThat(agg(rawFirst).percentiles()).isEqualTo(agg(all).percentiles());
        assertThat(agg(sketchFirst).percentiles()).isEqualTo(agg(all).percentiles());
        assertThat(agg(rawFirst).count()).isEqualTo(310);
        assertThat(agg(sketchFirst).mean()).isCloseTo(agg(all).mean(), org.assertj.core.api.Assertions.within(1e-9));
        Accumulator twoRaw = new Accumulator(0, 10, SKETCHES);
        twoRaw.merge(s1);
        twoRaw.merge(s1);
        assertThat(twoRaw.toBytes().length).as("20 values stay raw").isLessThan(400);
    }

    @Test
    void withoutPercentilesNoValuesAreKept() {
        Accumulator a = new Accumulator(0, 10, null);
        for (int i = 0; i < 100; i++) {
            a.add(i, i);
        }
        assertThat(a.toBytes()).hasSize(1 + 8 * 15);
        assertThat(Accumulator.fromBytes(a.toBytes(), null).count()).isEqualTo(100);
        // state written with percentiles and read without them: the values are ignored
        Accumulator b = new Accumulator(0, 10, SKETCHES);
        b.add(1, 1);
        assertThat(Accumulator.fromBytes(b.toBytes(), null).count()).isEqualTo(1);
    }
}
