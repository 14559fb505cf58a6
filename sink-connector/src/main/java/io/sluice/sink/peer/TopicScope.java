package io.sluice.sink.peer;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The topics a connector reads ({@code topics} or {@code topics.regex}): what peers may ask for. */
public record TopicScope(List<String> topics, Optional<Pattern> regex) {
    public TopicScope {
        topics = List.copyOf(topics);
    }

    public boolean serves(String topic) {
        return topics.contains(topic) || regex.map(r -> r.matcher(topic).matches()).orElse(false);
    }

    public String describe() {
        return regex.map(r -> "topics matching " + r.pattern()).orElse("topics " + String.join(", ", topics));
    }
}
