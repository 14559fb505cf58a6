package io.sluice.streams.config;

import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * What the app checks and may do before Kafka Streams starts: how long it waits for the brokers,
 * and whether it creates the topics it reads and writes when they are missing.
 *
 * @param timeout           how long to wait for a broker to answer; zero waits for ever
 * @param createTopics      create missing topics instead of stopping
 * @param partitions        partitions of a created topic; 0: as many as the input topic has (1 for the input itself)
 * @param replicationFactor replication factor of a created topic; -1: the brokers' default
 */
public record StartupSettings(Duration timeout, boolean createTopics, int partitions, short replicationFactor) {
    static final String GROUP = "Start-up";
    public static final String TIMEOUT_CONFIG = "startup.timeout.ms";
    private static final String TIMEOUT_DOC = "How long the app waits at start for a broker of bootstrap.servers to "
            + "answer (one ERROR line every 30 s while it waits), then exits with code 1; 0 waits for ever.";
    public static final String CREATE_CONFIG = "topics.create";
    private static final String CREATE_DOC = "Create the input, output, late and dead-letter topics at start when "
            + "they do not exist (with topics.partitions and topics.replication.factor). false: a missing topic "
            + "stops the app with exit code 2 and the kafka-topics.sh command that creates it.";
    public static final String PARTITIONS_CONFIG = "topics.partitions";
    private static final String PARTITIONS_DOC = "Partitions of a topic the app creates; 0 means as many as the "
            + "input topic has (1 for the input topic itself).";
    public static final String REPLICATION_CONFIG = "topics.replication.factor";
    private static final String REPLICATION_DOC = "Replication factor of a topic the app creates; -1 means the "
            + "brokers' default.replication.factor.";

    static void addGroup(ConfigDef def) {
        int o = 0;
        def.define(TIMEOUT_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM, TIMEOUT_DOC,
                GROUP, ++o, Width.SHORT, "Start-up timeout");
        def.define(CREATE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, CREATE_DOC, GROUP, ++o, Width.SHORT,
                "Create topics");
        def.define(PARTITIONS_CONFIG, Type.INT, 0, ConfigDef.Range.between(0, 100_000), Importance.LOW, PARTITIONS_DOC,
                GROUP, ++o, Width.SHORT, "Partitions of created topics");
        def.define(REPLICATION_CONFIG, Type.SHORT, (short) -1, new ReplicationFactorValidator(), Importance.LOW,
                REPLICATION_DOC, GROUP, ++o, Width.SHORT, "Replication factor of created topics");
    }

    public static StartupSettings from(AbstractConfig c) {
        return new StartupSettings(Duration.ofMillis(c.getLong(TIMEOUT_CONFIG)), c.getBoolean(CREATE_CONFIG),
                c.getInt(PARTITIONS_CONFIG), c.getShort(REPLICATION_CONFIG));
    }

    /** -1 (the brokers' default) or at least 1. */
    static final class ReplicationFactorValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            short v = (Short) value;
            if (v != -1 && v < 1) {
                throw new org.apache.kafka.common.config.ConfigException(name, value, "must be -1 or at least 1");
            }
        }

        @Override
        public String toString() {
            return "-1, or at least 1";
        }
    }
}
