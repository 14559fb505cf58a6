package io.sluice.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the benchmark measured, as it goes: each figure is a list of runs (median, min, max in the
 * report), each comparison a pair of figures measured side by side, run by run, so its ratio is
 * taken pair by pair. Writes the Markdown tables of the report.
 */
final class Figures {
    /** One figure over several runs. */
    record Series(String name, String unit, List<Double> values) {
        Series(String name, String unit) {
            this(name, unit, new ArrayList<>());
        }

        void add(double v) {
            values.add(v);
        }

        /** The runs that gave a value (a run can give none, e.g. no aggregate reached the peer). */
        List<Double> finite() {
            return values.stream().filter(Double::isFinite).toList();
        }

        double median() {
            return Figures.median(finite());
        }

        double min() {
            return finite().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return finite().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        String cell() {
            List<Double> f = finite();
            String missing = f.size() < values.size() ? " [" + (values.size() - f.size()) + " of " + values.size()
                    + " runs without a value]" : "";
            if (f.isEmpty()) {
                return "n/a" + missing;
            }
            if (f.size() == 1) {
                return fmt(f.get(0)) + missing;
            }
            return fmt(median()) + " (" + fmt(min()) + "–" + fmt(max()) + ")" + missing;
        }
    }

    /** Ours against the reference, run by run. */
    record Pair(String what, Series ours, Series reference, String target) {
        List<Double> ratios() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < Math.min(ours.values().size(), reference.values().size()); i++) {
                double x = ours.values().get(i) / reference.values().get(i);
                if (Double.isFinite(x)) {
                    r.add(x);
                }
            }
            return r;
        }

        String ratioCell() {
            List<Double> r = ratios();
            if (r.isEmpty()) {
                return "n/a";
            }
            if (r.size() == 1) {
                return String.format(Locale.ROOT, "%.2f", r.get(0));
            }
            return String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", median(r), r.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    r.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        }
    }

    private final Map<String, List<Pair>> pairs = new LinkedHashMap<>();
    private final Map<String, List<Series>> series = new LinkedHashMap<>();
    private final Map<String, List<String>> notes = new LinkedHashMap<>();

    Pair pair(String section, String what, String oursName, String refName, String unit, String target) {
        Pair p = new Pair(what, new Series(oursName, unit), new Series(refName, unit), target);
        pairs.computeIfAbsent(section, k -> new ArrayList<>()).add(p);
        return p;
    }

    Series series(String section, String name, String unit) {
        Series s = new Series(name, unit);
        series.computeIfAbsent(section, k -> new ArrayList<>()).add(s);
        return s;
    }

    void note(String section, String text) {
        notes.computeIfAbsent(section, k -> new ArrayList<>()).add(text);
    }

    List<Pair> pairs(String section) {
        return pairs.getOrDefault(section, List.of());
    }

    List<Series> series(String section) {
        return series.getOrDefault(section, List.of());
    }

    /** Every value of every figure, for the smoke test: were numbers produced at all. */
    List<Double> allValues() {
        List<Double> all = new ArrayList<>();
        pairs.values().forEach(l -> l.forEach(p -> {
            all.addAll(p.ours().values());
            all.addAll(p.reference().values());
        }));
        series.values().forEach(l -> l.forEach(s -> all.addAll(s.values())));
        return all;
    }

    /** The Markdown of one section: its comparisons, its other figures, its notes. */
    String markdown(String section) {
        StringBuilder b = new StringBuilder();
        List<Pair> ps = pairs(section);
        if (!ps.isEmpty()) {
            b.append("| comparison | Sluice | reference | ratio (pair by pair) | target |\n| --- | --- | --- | --- | --- |\n");
            for (Pair p : ps) {
                b.append("| ").append(p.what()).append(" | ").append(p.ours().name()).append(": ").append(p.ours().cell()).append(' ')
                        .append(p.ours().unit()).append(" | ").append(p.reference().name()).append(": ").append(p.reference().cell())
                        .append(' ').append(p.reference().unit()).append(" | ").append(p.ratioCell()).append(" | ")
                        .append(p.target() == null ? "" : p.target()).append(" |\n");
            }
            b.append('\n');
        }
        List<Series> ss = series(section);
        if (!ss.isEmpty()) {
            b.append("| figure | median (min–max) | unit |\n| --- | --- | --- |\n");
            for (Series s : ss) {
                b.append("| ").append(s.name()).append(" | ").append(s.cell()).append(" | ").append(s.unit()).append(" |\n");
            }
            b.append('\n');
        }
        for (String n : notes.getOrDefault(section, List.of())) {
            b.append(n).append("\n\n");
        }
        return b.toString();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(values);
        v.sort(Double::compare);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
