package io.sluice.sink.peer;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What one peer asked for, compiled: topics by name or regular expression, then optional
 * device and metric globs ({@code *} any run, {@code ?} one character). A record with no
 * device (or metric) never matches a non-empty device (or metric) filter.
 */
public final class Subscription {
    private static final int MAX_ENTRIES = 1024;

    private final Set<String> topics;
    private final List<Pattern> topicPatterns;
    private final List<Pattern> devices;
    private final List<Pattern> metrics;

    private Subscription(Set<String> topics, List<Pattern> topicPatterns, List<Pattern> devices, List<Pattern> metrics) {
        this.topics = topics;
        this.topicPatterns = topicPatterns;
        this.devices = devices;
        this.metrics = metrics;
    }

    /** Compiles a Subscribe frame; {@link ErrorCode#BAD_SUBSCRIPTION} for anything unusable. */
    public static Subscription of(Subscribe s) {
        if (s.topics().isEmpty() && s.topicPatterns().isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_SUBSCRIPTION, "subscribe to at least one topic or topic pattern");
        }
        for (List<String> l : List.of(s.topics(), s.topicPatterns(), s.devices(), s.metrics())) {
            if (l.size() > MAX_ENTRIES) {
                throw new ProtocolException(ErrorCode.BAD_SUBSCRIPTION, "at most " + MAX_ENTRIES
                        + " entries per list in a subscription, got " + l.size());
            }
        }
        for (String t : s.topics()) {
            if (t.isBlank()) {
                throw new ProtocolException(ErrorCode.BAD_SUBSCRIPTION, "topic names must not be empty");
            }
        }
        List<Pattern> patterns = new ArrayList<>();
        for (String p : s.topicPatterns()) {
            try {
                patterns.add(Pattern.compile(p));
            } catch (PatternSyntaxException e) {
                throw new ProtocolException(ErrorCode.BAD_SUBSCRIPTION, "topic pattern '" + p
                        + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        return new Subscription(Set.copyOf(s.topics()), List.copyOf(patterns), globs(s.devices()), globs(s.metrics()));
    }

    private static List<Pattern> globs(List<String> globs) {
        List<Pattern> out = new ArrayList<>(globs.size());
        for (String g : globs) {
            out.add(glob(g));
        }
        return List.copyOf(out);
    }

    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder(glob.length() + 8);
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    public Set<String> topics() {
        return topics;
    }

    public List<Pattern> topicPatterns() {
        return topicPatterns;
    }

    public boolean matchesTopic(String topic) {
        if (topics.contains(topic)) {
            return true;
        }
        for (Pattern p : topicPatterns) {
            if (p.matcher(topic).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the device/metric filters pass; the topic is checked separately. */
    public boolean matchesSubject(String device, String metric) {
        return matchesAny(devices, device) && matchesAny(metrics, metric);
    }

    public boolean hasSubjectFilter() {
        return !devices.isEmpty() || !metrics.isEmpty();
    }

    private static boolean matchesAny(List<Pattern> globs, String value) {
        if (globs.isEmpty()) {
            return true;
        }
        if (value == null) {
            return false;
        }
        for (Pattern g : globs) {
            if (g.matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }
}
