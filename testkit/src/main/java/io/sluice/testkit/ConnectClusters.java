package io.sluice.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts {@link EmbeddedConnectCluster}s (distributed workers plus their own KRaft broker) with
 * the settings that make them start in seconds: plugin discovery from {@code META-INF/services}
 * manifests and single-partition internal topics.
 */
public final class ConnectClusters {
    private static final Logger log = LoggerFactory.getLogger(ConnectClusters.class);

    private ConnectClusters() {
    }

    public static Map<String, String> fastWorkerProps() {
        Map<String, String> w = new HashMap<>();
        w.put("plugin.discovery", "service_load");
        w.put("offset.storage.partitions", "1");
        w.put("status.storage.partitions", "1");
        w.put("offset.flush.interval.ms", "1000");
        w.put("scheduled.rebalance.max.delay.ms", "2000");
        return w;
    }

    public static Properties fastBrokerProps() {
        Properties b = new Properties();
        b.put("offsets.topic.num.partitions", "1");
        b.put("transaction.state.log.num.partitions", "1");
        b.put("transaction.state.log.replication.factor", "1");
        b.put("transaction.state.log.min.isr", "1");
        b.put("group.initial.rebalance.delay.ms", "0");
        b.put("auto.create.topics.enable", "false");
        return b;
    }

    /**
     * Starts a cluster of {@code workers} workers; {@code extraWorkerProps} override the fast
     * defaults (for example {@code exactly.once.source.support=enabled}).
     */
    public static EmbeddedConnectCluster start(String name, int workers, Map<String, String> extraWorkerProps) {
        long t0 = System.nanoTime();
        Map<String, String> w = fastWorkerProps();
        w.putAll(extraWorkerProps);
        EmbeddedConnectCluster cluster = new EmbeddedConnectCluster.Builder()
                .name(name)
                .numWorkers(workers)
                .numBrokers(1)
                .workerProps(w)
                .brokerProps(fastBrokerProps())
                .maskExitProcedures(true)
                .build();
        cluster.start();
        log.info("Connect cluster {} ({} workers) up in {} ms", name, workers, (System.nanoTime() - t0) / 1_000_000);
        return cluster;
    }
}
