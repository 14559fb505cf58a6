package io.sluice.protocol.frame;

import java.util.List;

/**
 * Peer → sink: what the peer wants. A record matches when its topic is in {@code topics} or
 * matches one of {@code topicPatterns} (Java regular expressions), and, when the lists are not
 * empty, its device matches one of {@code devices} and its metric one of {@code metrics}
 * (globs: {@code *} and {@code ?}).
 *
 * @param resumeFrom for a durable peer, the last offsets it has processed; the sink delivers
 *                   what follows them (otherwise it resumes from the peer's last ack)
 */
public record Subscribe(List<String> topics, List<String> topicPatterns, List<String> devices, List<String> metrics,
        List<Cursor> resumeFrom) implements Frame {
    public Subscribe {
        topics = topics == null ? List.of() : List.copyOf(topics);
        topicPatterns = topicPatterns == null ? List.of() : List.copyOf(topicPatterns);
        devices = devices == null ? List.of() : List.copyOf(devices);
        metrics = metrics == null ? List.of() : List.copyOf(metrics);
        resumeFrom = resumeFrom == null ? List.of() : List.copyOf(resumeFrom);
    }

    @Override
    public FrameType type() {
        return FrameType.SUBSCRIBE;
    }
}
