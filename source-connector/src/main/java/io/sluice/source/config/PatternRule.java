package io.sluice.source.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.ConfigException;

/**
 * One {@code SUBJECT:REGEX=VALUE} rule, e.g. {@code metric:temp.*=temperatures} or
 * {@code device:sensor-.*=drop_oldest}. The regex must match the whole device id or metric name.
 * The value is what follows the last '='.
 */
public record PatternRule(Subject subject, Pattern pattern, String value) {

    public enum Subject { DEVICE, METRIC }

    public boolean matches(String device, String metric) {
        String s = subject == Subject.DEVICE ? device : metric;
        return s != null && pattern.matcher(s).matches();
    }

    /** Parses every rule of a list config; throws a {@link ConfigException} naming the bad entry. */
    public static List<PatternRule> parseAll(String key, List<String> entries, List<Subject> allowed) {
        List<PatternRule> rules = new ArrayList<>();
        for (String raw : entries) {
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            int eq = e.lastIndexOf('=');
            if (colon < 0 || eq < colon + 2 || eq == e.length() - 1) {
                throw new ConfigException(key, raw, "expected SUBJECT:REGEX=VALUE with SUBJECT one of "
                        + allowed.stream().map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toList());
            }
            Subject subject;
            try {
                subject = Subject.valueOf(e.substring(0, colon).trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException x) {
                subject = null;
            }
            if (subject == null || !allowed.contains(subject)) {
                throw new ConfigException(key, raw, "unknown subject '" + e.substring(0, colon) + "', expected one of "
                        + allowed.stream().map(s -> s.name().toLowerCase(java.util.Locale.ROOT)).toList());
            }
            Pattern p;
            try {
                p = Pattern.compile(e.substring(colon + 1, eq));
            } catch (PatternSyntaxException x) {
                throw new ConfigException(key, raw, "invalid regular expression: " + x.getDescription());
            }
            rules.add(new PatternRule(subject, p, e.substring(eq + 1).trim()));
        }
        return rules;
    }
}
