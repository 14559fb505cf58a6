package io.sluice.quickstart.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;

/**
 * Finds <em>hanging</em> transactions on the launcher's own broker and says so: a partition holds
 * an open transaction that its coordinator no longer knows as ongoing, so no marker will ever
 * close it and every {@code read_committed} reader of the partition (Connect's offsets store
 * included) waits forever. Seen on a single broker stopped with SIGTERM while an exactly-once
 * task committed: the coordinator, finding no partition leader during the controlled shutdown,
 * completed the commit without writing its markers. It is {@code kafka-transactions.sh
 * find-hanging} (KIP-664) on a timer: a transaction counts as hanging when its last write is older
 * than {@code quietFor}, the coordinator has no undecided transaction of that producer covering
 * the partition at that epoch, and the same holds on the next round. It does not abort: the
 * coordinator may have committed that transaction (its records acknowledged to devices), and an
 * abort would drop them; the message names the command and that risk.
 */
public final class HangingTransactionWatch implements AutoCloseable {
    private static final Set<TransactionState> UNDECIDED = EnumSet.of(TransactionState.ONGOING, TransactionState.PREPARE_COMMIT,
            TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);

    private final Admin admin;
    private final Duration quietFor;
    private final String bootstrap;
    private final Consumer<String> log;
    private final Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private Set<String> suspects = Set.of();

    private HangingTransactionWatch(String bootstrap, Duration quietFor, Consumer<String> log) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
        this.quietFor = quietFor;
        this.bootstrap = bootstrap;
        this.log = log;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hanging-transaction-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** The launcher's watch: every 5 s, a transaction quiet for 15 s. */
    public static HangingTransactionWatch start(String bootstrap, Consumer<String> log) {
        return start(bootstrap, Duration.ofSeconds(5), Duration.ofSeconds(15), log);
    }

    /** Checks every partition of the broker at {@code bootstrap} every {@code interval}. */
    public static HangingTransactionWatch start(String bootstrap, Duration interval, Duration quietFor, Consumer<String> log) {
        HangingTransactionWatch a = new HangingTransactionWatch(bootstrap, quietFor, log);
        a.timer.scheduleWithFixedDelay(a::checkQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return a;
    }

    /** Hanging transactions found so far (one per partition). */
    public int found() {
        return reported.size();
    }

    private void checkQuietly() {
        try {
            check();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // the broker may be down or restarting: next round
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void check() throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(false))
                .names().get(15, TimeUnit.SECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(15, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
        }
        if (partitions.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        Map<TopicPartition, ProducerState> open = new HashMap<>();
        admin.describeProducers(partitions).all().get(15, TimeUnit.SECONDS).forEach((tp, state) -> {
            for (ProducerState p : state.activeProducers()) {
                if (p.currentTransactionStartOffset().isPresent() && now - p.lastTimestamp() >= quietFor.toMillis()) {
                    open.put(tp, p);
                }
            }
        });
        if (open.isEmpty()) {
            suspects = Set.of();
            return;
        }
        Map<Long, Optional<TransactionDescription>> coordinators = new HashMap<>();
        Set<String> hangingNow = new HashSet<>();
        for (Map.Entry<TopicPartition, ProducerState> e : open.entrySet()) {
            ProducerState p = e.getValue();
            Optional<TransactionDescription> d = coordinators.computeIfAbsent(p.producerId(), this::describe);
            if (!isHanging(e.getKey(), p, d)) {
                continue;
            }
            // the same transaction found hanging on two rounds in a row: not a coordinator between two steps
            String key = e.getKey() + "/" + p.producerId() + "/" + p.producerEpoch() + "/" + p.currentTransactionStartOffset().getAsLong();
            hangingNow.add(key);
            if (suspects.contains(key) && reported.add(key)) {
                report(e.getKey(), p, d);
            }
        }
        suspects = hangingNow;
    }

    private Optional<TransactionDescription> describe(long producerId) {
        try {
            List<TransactionListing> listings = new ArrayList<>(admin.listTransactions(new ListTransactionsOptions()
                    .filterProducerIds(Set.of(producerId))).all().get(15, TimeUnit.SECONDS));
            if (listings.isEmpty()) {
                return Optional.empty();
            }
            String id = listings.get(0).transactionalId();
            return Optional.of(admin.describeTransactions(List.of(id)).description(id).get(15, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the transactions of producer " + producerId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether an open transaction on {@code tp} (quiet for long enough) is one its coordinator will
     * never close: the coordinator does not know the producer, or has no undecided transaction of
     * it at that epoch that covers the partition.
     */
    static boolean isHanging(TopicPartition tp, ProducerState open, Optional<TransactionDescription> coordinator) {
        if (coordinator.isEmpty()) {
            return true;
        }
        TransactionDescription d = coordinator.get();
        boolean undecided = UNDECIDED.contains(d.state());
        return d.producerId() != open.producerId() || !undecided || d.producerEpoch() != open.producerEpoch()
                || !d.topicPartitions().contains(tp);
    }

    private void report(TopicPartition tp, ProducerState p, Optional<TransactionDescription> d) {
        String coordinatorSays = d.map(t -> t.state() + " at epoch " + t.producerEpoch()).orElse("no such producer");
        log.accept("hanging transaction on " + tp + " (producer " + p.producerId() + ", epoch " + p.producerEpoch()
                + ", open since offset " + p.currentTransactionStartOffset().getAsLong() + "; its coordinator: " + coordinatorSays
                + "): read_committed readers of " + tp + " wait until it is closed. kafka-transactions.sh --bootstrap-server "
                + bootstrap + " abort --topic " + tp.topic() + " --partition " + tp.partition() + " --start-offset "
                + p.currentTransactionStartOffset().getAsLong() + " closes it, dropping its records even if the coordinator had "
                + "committed them");
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
