package io.sluice.quickstart.stack;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topics of a local stack, named as in {@code config/}: readings and aggregates with three
 * partitions (so several tasks and Streams threads have work), the late and dead-letter topics
 * with one. Created up front so that every process finds them.
 */
public final class StackTopics {
    public static final String READINGS = "readings";
    public static final String AGGREGATES = "aggregates";
    public static final String LATE = "readings-late";
    public static final List<String> ALL = List.of(READINGS, AGGREGATES, LATE, "readings-dlq", "sluice-sink-dlq");

    private StackTopics() {
    }

    /** Creates the topics that do not exist yet. */
    public static void create(String bootstrap) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String t : ALL) {
                int partitions = t.equals(READINGS) || t.equals(AGGREGATES) ? 3 : 1;
                try {
                    admin.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException("cannot create topic " + t + " on " + bootstrap + ": " + e.getCause().getMessage());
                    }
                } catch (TimeoutException e) {
                    throw new StackException("Kafka at " + bootstrap + " did not answer within 30 s");
                }
            }
        }
    }
}
