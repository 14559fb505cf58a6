package io.sluice.testkit;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A single-node KRaft broker (combined broker + controller) in this JVM. */
public final class KraftTestKafka implements TestKafka {
    private static final Logger log = LoggerFactory.getLogger(KraftTestKafka.class);
    private final KafkaClusterTestKit cluster;

    private KraftTestKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static KraftTestKafka start() {
        long t0 = System.nanoTime();
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            log.info("KRaft broker up at {} in {} ms", cluster.bootstrapServers(), (System.nanoTime() - t0) / 1_000_000);
            return new KraftTestKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test KRaft broker", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public KafkaClusterTestKit cluster() {
        return cluster;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            log.warn("test broker did not close cleanly", e);
        }
    }
}
