package io.sluice.source.record;

import io.sluice.source.config.PatternRule;
import java.util.List;

/** Picks a record's topic: the first matching route, else the default topic. */
public final class TopicRouter {
    private final String defaultTopic;
    private final List<PatternRule> routes;

    public TopicRouter(String defaultTopic, List<PatternRule> routes) {
        this.defaultTopic = defaultTopic;
        this.routes = List.copyOf(routes);
    }

    public String topic(String device, String metric) {
        for (PatternRule r : routes) {
            if (r.matches(device, metric)) {
                return r.value();
            }
        }
        return defaultTopic;
    }
}
