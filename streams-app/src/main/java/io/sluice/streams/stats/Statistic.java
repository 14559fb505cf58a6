package io.sluice.streams.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One configured statistic: a fixed one ({@code count}, {@code sum}, ...) or a percentile
 * {@code pNN} with its quantile (p99.9 is 0.999).
 */
public record Statistic(Kind kind, String name, double quantile) {
    public enum Kind { COUNT, SUM, MIN, MAX, MEAN, STDDEV, FIRST, LAST, PERCENTILE }

    public static Statistic parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.length() > 1 && s.charAt(0) == 'p' && Character.isDigit(s.charAt(1))) {
            double pct;
            try {
                pct = Double.parseDouble(s.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a percentile like p50 or p99.9");
            }
            if (!(pct > 0 && pct < 100)) {
                throw new IllegalArgumentException("percentile '" + text + "' must be between p0 and p100, exclusive");
            }
            return new Statistic(Kind.PERCENTILE, s, pct / 100.0);
        }
        for (Kind k : Kind.values()) {
            if (k != Kind.PERCENTILE && k.name().toLowerCase(Locale.ROOT).equals(s)) {
                return new Statistic(k, s, Double.NaN);
            }
        }
        throw new IllegalArgumentException("unknown statistic '" + text
                + "' (count, sum, min, max, mean, stddev, first, last, pNN)");
    }

    /** Parses a configured list; count is always included, duplicates are dropped. */
    public static List<Statistic> parseAll(List<String> names) {
        Map<String, Statistic> out = new LinkedHashMap<>();
        out.put("count", new Statistic(Kind.COUNT, "count", Double.NaN));
        for (String n : names) {
            if (!n.isBlank()) {
                Statistic s = parse(n);
                out.putIfAbsent(s.name(), s);
            }
        }
        return new ArrayList<>(out.values());
    }

    public static boolean anyPercentile(List<Statistic> stats) {
        return stats.stream().anyMatch(s -> s.kind() == Kind.PERCENTILE);
    }
}
