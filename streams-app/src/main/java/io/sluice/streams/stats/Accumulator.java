package io.sluice.streams.stats;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.sluice.protocol.telemetry.Aggregate;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running state of one window: exact count, sum, min, max, mean and variance (Welford, merged
 * with Chan's formula), first and last by event time, gap readings, and an optional DDSketch for
 * percentiles. Everything merges, so session merges and hopping windows stay exact (percentiles
 * within the sketch's relative accuracy). Stored as a compact byte array.
 */
public final class Accumulator {
    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 * 15;

    long start;
    long end;
    long count;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double mean;
    double m2;
    long firstTs = Long.MAX_VALUE;
    double first;
    long lastTs = Long.MIN_VALUE;
    double last;
    long gapReadings;
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    DDSketch sketch;

    public Accumulator(long start, long end, DDSketch sketch) {
        this.start = start;
        this.end = end;
        this.sketch = sketch;
    }

    public void add(long ts, double value) {
        count++;
        sum += value;
        if (value < min) {
            min = value;
        }
        if (value > max) {
            max = value;
        }
        double delta = value - mean;
        mean += delta / count;
        m2 += delta * (value - mean);
        if (ts < firstTs) {
            firstTs = ts;
            first = value;
        }
        if (ts >= lastTs) {
            lastTs = ts;
            last = value;
        }
        seen(ts);
        if (sketch != null) {
            sketch.accept(value);
        }
    }

    public void addGap(long ts, long readings) {
        gapReadings += readings;
        seen(ts);
    }

    private void seen(long ts) {
        minTs = Math.min(minTs, ts);
        maxTs = Math.max(maxTs, ts);
    }

    /** Folds {@code o} into this one (this window's start/end are kept; sessions set them after). */
    public void merge(Accumulator o) {
        if (o.count > 0) {
            long n = count + o.count;
            double delta = o.mean - mean;
            m2 = m2 + o.m2 + delta * delta * ((double) count * o.count / n);
            mean = mean + delta * o.count / n;
            count = n;
            sum += o.sum;
            min = Math.min(min, o.min);
            max = Math.max(max, o.max);
            if (o.firstTs < firstTs) {
                firstTs = o.firstTs;
                first = o.first;
            }
            if (o.lastTs >= lastTs) {
                lastTs = o.lastTs;
                last = o.last;
            }
        }
        gapReadings += o.gapReadings;
        minTs = Math.min(minTs, o.minTs);
        maxTs = Math.max(maxTs, o.maxTs);
        if (sketch != null && o.sketch != null) {
            sketch.mergeWith(o.sketch);
        }
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public void setBounds(long start, long end) {
        this.start = start;
        this.end = end;
    }

    public long count() {
        return count;
    }

    public long minTs() {
        return minTs;
    }

    public long maxTs() {
        return maxTs;
    }

    public long gapReadings() {
        return gapReadings;
    }

    /** Population standard deviation. */
    public double stddev() {
        return count == 0 ? Double.NaN : Math.sqrt(Math.max(0, m2 / count));
    }

    public Aggregate toAggregate(String device, String metric, Map<String, String> group, String windowType,
            boolean isFinal, String closedBy, List<Statistic> stats, long late) {
        Double sumV = null;
        Double minV = null;
        Double maxV = null;
        Double meanV = null;
        Double sdV = null;
        Double firstV = null;
        Double lastV = null;
        Map<String, Double> pct = null;
        boolean any = count > 0;
        for (Statistic s : stats) {
            switch (s.kind()) {
                case SUM -> sumV = sum;
                case MIN -> minV = any ? min : null;
                case MAX -> maxV = any ? max : null;
                case MEAN -> meanV = any ? mean : null;
                case STDDEV -> sdV = any ? stddev() : null;
                case FIRST -> firstV = any ? first : null;
                case LAST -> lastV = any ? last : null;
                case PERCENTILE -> {
                    if (any && sketch != null && !sketch.isEmpty()) {
                        if (pct == null) {
                            pct = new LinkedHashMap<>();
                        }
                        pct.put(s.name(), sketch.getValueAtQuantile(s.quantile()));
                    }
                }
                default -> {
                }
            }
        }
        return new Aggregate(device, metric, group, windowType, start, end, isFinal, closedBy, count,
                sumV, minV, maxV, meanV, sdV, firstV, lastV, pct, late, gapReadings);
    }

    // ---------------------------------------------------------------- bytes

    public byte[] toBytes(SketchFactory sketches) {
        byte[] sk = sketch == null ? null : sketches.encode(sketch);
        ByteBuffer b = ByteBuffer.allocate(HEADER + (sk == null ? 0 : sk.length));
        b.put(VERSION);
        b.putLong(start).putLong(end).putLong(count).putDouble(sum).putDouble(min).putDouble(max)
                .putDouble(mean).putDouble(m2).putLong(firstTs).putDouble(first).putLong(lastTs).putDouble(last)
                .putLong(gapReadings).putLong(minTs).putLong(maxTs);
        if (sk != null) {
            b.put(sk);
        }
        return b.array();
    }

    /** {@code sketches} null: a sketch in the bytes is ignored (percentiles not configured). */
    public static Accumulator fromBytes(byte[] bytes, SketchFactory sketches) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte v = b.get();
        if (v != VERSION) {
            throw new IllegalStateException("window state of unknown version " + v);
        }
        Accumulator a = new Accumulator(b.getLong(), b.getLong(), null);
        a.count = b.getLong();
        a.sum = b.getDouble();
        a.min = b.getDouble();
        a.max = b.getDouble();
        a.mean = b.getDouble();
        a.m2 = b.getDouble();
        a.firstTs = b.getLong();
        a.first = b.getDouble();
        a.lastTs = b.getLong();
        a.last = b.getDouble();
        a.gapReadings = b.getLong();
        a.minTs = b.getLong();
        a.maxTs = b.getLong();
        if (sketches != null) {
            a.sketch = bytes.length > HEADER ? sketches.decode(bytes, HEADER, bytes.length - HEADER) : sketches.create();
        }
        return a;
    }
}
