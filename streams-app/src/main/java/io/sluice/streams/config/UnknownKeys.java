package io.sluice.streams.config;

import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.text.similarity.LevenshteinDistance;

/** The error of a configuration key nobody defined, with the nearest defined key when one is close. */
final class UnknownKeys {
    private UnknownKeys() {
    }

    /** {@code passThroughPrefix}: the prefix of keys handed on to another component unchecked. */
    static String error(String key, Set<String> known, String passThroughPrefix) {
        LevenshteinDistance distance = new LevenshteinDistance(Math.max(2, key.length() / 5));
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance.apply(key, k);
            if (d >= 0 && d < best) {
                best = d;
                nearest = k;
            }
        }
        return nearest != null ? "unknown key '" + key + "': did you mean '" + nearest + "'?"
                : "unknown key '" + key + "' (Kafka Streams' own settings take the prefix " + passThroughPrefix + ")";
    }
}
