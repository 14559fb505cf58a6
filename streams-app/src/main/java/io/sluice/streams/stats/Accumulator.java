package io.sluice.streams.stats;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.sluice.protocol.telemetry.Aggregate;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The running state of one window: exact count, sum, min, max, mean and variance (Welford, merged
 * with Chan's formula), first and last by event time, gap readings, and, when percentiles are
 * configured, a DDSketch. Everything merges, so session merges and hopping windows stay exact
 * (percentiles within the sketch's relative accuracy). Stored as a compact byte array.
 *
 * <p>Until it holds more than {@value #RAW_MAX} values the sketch is kept as the raw values: they
 * cost less to store at every reading than a sketch's bins, and a sketch built from them when
 * percentiles are read gives exactly what the sketch would have (a DDSketch does not depend on
 * insertion order).
 */
public final class Accumulator {
    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 * 15;
    static final int RAW_MAX = 32;
    private static final byte NO_VALUES = 0;
    private static final byte RAW_VALUES = 1;
    private static final byte SKETCH = 2;

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
    /** Null when no percentile is configured. */
    private final SketchFactory sketches;
    /** The values, while at most {@link #RAW_MAX} and percentiles are configured; then null. */
    private double[] raw;
    private int rawCount;
    /** The sketch, once there are more than {@link #RAW_MAX} values. */
    private DDSketch sketch;

    /** {@code sketches} null: no percentiles. */
    public Accumulator(long start, long end, SketchFactory sketches) {
        this.start = start;
        this.end = end;
        this.sketches = sketches;
    }

    private void keep(double value) {
        if (sketches == null) {
            return;
        }
        if (sketch != null) {
            sketch.accept(value);
            return;
        }
        if (raw == null) {
            raw = new double[4];
        } else if (rawCount == raw.length) {
            if (rawCount == RAW_MAX) {
                toSketch();
                sketch.accept(value);
                return;
            }
            raw = java.util.Arrays.copyOf(raw, Math.min(RAW_MAX, rawCount * 2));
        }
        raw[rawCount++] = value;
    }

    private void toSketch() {
        sketch = sketches.create();
        for (int i = 0; i < rawCount; i++) {
            sketch.accept(raw[i]);
        }
        raw = null;
        rawCount = 0;
    }

    /** The sketch of the values so far (built from the raw values when there are few). */
    DDSketch sketch() {
        if (sketch != null) {
            return sketch;
        }
        DDSketch s = sketches.create();
        for (int i = 0; i < rawCount; i++) {
            s.accept(raw[i]);
        }
        return s;
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
        keep(value);
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
        if (sketches != null) {
            if (o.sketch != null) {
                if (sketch == null) {
                    toSketch();
                }
                sketch.mergeWith(o.sketch);
            } else {
                for (int i = 0; i < o.rawCount; i++) {
                    keep(o.raw[i]);
                }
            }
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
        DDSketch sk = null;
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
                    if (any && sketches != null) {
                        if (pct == null) {
                            pct = new LinkedHashMap<>();
                            sk = sketch();
                        }
                        if (!sk.isEmpty()) {
                            pct.put(s.name(), sk.getValueAtQuantile(s.quantile()));
                        }
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

    public byte[] toBytes() {
        byte[] sk = sketch == null ? null : sketches.encode(sketch);
        int values = sketches == null ? 0 : sk != null ? 1 + sk.length : rawCount > 0 ? 1 + 8 * rawCount : 0;
        ByteBuffer b = ByteBuffer.allocate(HEADER + values);
        b.put(VERSION);
        b.putLong(start).putLong(end).putLong(count).putDouble(sum).putDouble(min).putDouble(max)
                .putDouble(mean).putDouble(m2).putLong(firstTs).putDouble(first).putLong(lastTs).putDouble(last)
                .putLong(gapReadings).putLong(minTs).putLong(maxTs);
        if (sk != null) {
            b.put(SKETCH).put(sk);
        } else if (values > 0) {
            b.put(RAW_VALUES);
            for (int i = 0; i < rawCount; i++) {
                b.putDouble(raw[i]);
            }
        }
        return b.array();
    }

    /** {@code sketches} null: values in the bytes are ignored (percentiles not configured). */
    public static Accumulator fromBytes(byte[] bytes, SketchFactory sketches) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte v = b.get();
        if (v != VERSION) {
            throw new IllegalStateException("window state of unknown version " + v);
        }
        Accumulator a = new Accumulator(b.getLong(), b.getLong(), sketches);
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
        if (sketches != null && bytes.length > HEADER) {
            byte kind = bytes[HEADER];
            if (kind == SKETCH) {
                a.sketch = sketches.decode(bytes, HEADER + 1, bytes.length - HEADER - 1);
            } else if (kind == RAW_VALUES) {
                int n = (bytes.length - HEADER - 1) / 8;
                a.raw = new double[Math.max(4, n)];
                b.position(HEADER + 1);
                for (int i = 0; i < n; i++) {
                    a.raw[i] = b.getDouble();
                }
                a.rawCount = n;
            } else if (kind != NO_VALUES) {
                throw new IllegalStateException("window state with unknown value kind " + kind);
            }
        }
        return a;
    }
}
