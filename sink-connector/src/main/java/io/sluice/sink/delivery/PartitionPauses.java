package io.sluice.sink.delivery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions the task has paused for slow peers, and since when. The record outlives a
 * rebalance: Connect pauses a partition again on its next assignment when the task had paused it
 * before, so forgetting it on revocation would leave it paused with nobody to resume it.
 * Task thread only.
 */
public final class PartitionPauses {
    /** What to do now: partitions to pause, to resume (assigned ones only), and how long each resumed one was paused. */
    public record Changes(List<TopicPartition> pause, List<TopicPartition> resume, List<Long> pausedMs) {
    }

    private final Map<TopicPartition, Long> since = new HashMap<>();

    /** From the partitions the peers want paused now and the task's assignment. */
    public Changes update(Set<TopicPartition> want, Set<TopicPartition> assignment, long nowMs) {
        Set<TopicPartition> wanted = new HashSet<>(want);
        wanted.retainAll(assignment);
        List<TopicPartition> pause = new ArrayList<>();
        for (TopicPartition tp : wanted) {
            if (since.putIfAbsent(tp, nowMs) == null) {
                pause.add(tp);
            }
        }
        List<TopicPartition> resume = new ArrayList<>();
        List<Long> pausedMs = new ArrayList<>();
        for (TopicPartition tp : new ArrayList<>(since.keySet())) {
            if (!wanted.contains(tp)) {
                pausedMs.add(nowMs - since.remove(tp));
                if (assignment.contains(tp)) {
                    resume.add(tp);
                }
            }
        }
        return new Changes(pause, resume, pausedMs);
    }

    /** The partitions of a new assignment that the task had paused: to be paused (again). */
    public List<TopicPartition> assigned(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(since::containsKey).toList();
    }

    public int count() {
        return since.size();
    }
}
