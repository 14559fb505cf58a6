package io.sluice.protocol.frame;

import java.util.List;

/**
 * Sink → peer: the subscription is accepted.
 *
 * @param topics    the topics it matches now
 * @param endpoints every sink task's peer endpoint ({@code host:port}), so a peer can reach
 *                  the tasks that hold the other partitions
 */
public record Subscribed(List<String> topics, List<String> endpoints) implements Frame {
    public Subscribed {
        topics = topics == null ? List.of() : List.copyOf(topics);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    @Override
    public FrameType type() {
        return FrameType.SUBSCRIBED;
    }
}
