package io.sluice.sink.delivery;

import io.sluice.sink.metrics.SinkMetrics;
import io.sluice.sink.peer.PeerHub;
import io.sluice.sink.peer.PeerSession;
import io.sluice.sink.peer.Routed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads Kafka for peers that are behind the task's live position: a durable peer that comes
 * back (from its last ack), or any peer whose queue overflowed under the pause policy. Each
 * such peer gets its own short-lived consumer (assign mode, no group, nothing committed),
 * seeked to the peer's cursors, reading only while the peer's queue has room; when a cursor
 * reaches the live position the hub hands the partition back to live delivery. At most
 * {@code maxConcurrent} peers replay at a time; the others wait in line.
 */
public final class KafkaReplayer implements PeerHub.ReplayScheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaReplayer.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final PeerHub hub;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final SinkMetrics metrics;
    private final ExecutorService pool;
    private volatile boolean closed;
    private final Map<Long, Consumer<byte[], byte[]>> running = new java.util.concurrent.ConcurrentHashMap<>();

    public KafkaReplayer(PeerHub hub, Supplier<Consumer<byte[], byte[]>> consumers, SinkMetrics metrics, int maxConcurrent,
            String threadPrefix) {
        this.hub = hub;
        this.consumers = consumers;
        this.metrics = metrics;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(maxConcurrent, r -> {
            Thread t = new Thread(r, threadPrefix + "-replay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void schedule(PeerSession s) {
        if (closed || !s.active()) {
            return;
        }
        if (s.replayScheduled().compareAndSet(false, true)) {
            pool.execute(() -> run(s));
        }
    }

    @Override
    public void wake(PeerSession s) {
        synchronized (s.replaySignal()) {
            s.replaySignal().notifyAll();
        }
    }

    private void run(PeerSession s) {
        long replayed = 0;
        try (Consumer<byte[], byte[]> c = consumers.get()) {
            running.put(s.id(), c);
            replayed = loop(s, c);
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("replay for {} failed; it is retried: {}", s, e.toString());
            }
        } finally {
            running.remove(s.id());
            s.replayScheduled().set(false);
            log.debug("replay for {} done after {} records", s, replayed);
        }
        // a cursor may have fallen behind again while this job was finishing
        if (!closed && s.active() && !hub.replayPositions(s).isEmpty()) {
            schedule(s);
        }
    }

    private long loop(PeerSession s, Consumer<byte[], byte[]> c) throws InterruptedException {
        Map<TopicPartition, Long> expected = new HashMap<>();
        long replayed = 0;
        while (!closed) {
            Map<TopicPartition, Long> wanted = hub.replayPositions(s);
            if (wanted.isEmpty()) {
                return replayed;
            }
            if (!hub.replayMayRead(s)) {
                synchronized (s.replaySignal()) {
                    s.replaySignal().wait(100);
                }
                continue;
            }
            if (!wanted.keySet().equals(c.assignment())) {
                c.assign(wanted.keySet());
                expected.keySet().retainAll(wanted.keySet());
            }
            for (Map.Entry<TopicPartition, Long> e : wanted.entrySet()) {
                if (!Objects.equals(expected.get(e.getKey()), e.getValue())) {
                    seek(s, c, e.getKey(), e.getValue());
                    expected.put(e.getKey(), e.getValue());
                }
            }
            ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
            boolean subjects = hub.needsSubjects();
            for (TopicPartition tp : wanted.keySet()) {
                List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
                List<Routed> routed = new ArrayList<>(list.size());
                for (ConsumerRecord<byte[], byte[]> r : list) {
                    routed.add(Routing.routed(tp, r.offset(), r.timestamp(), r.key(), r.value(), subjects, hub.fileTopics()));
                }
                long position = c.position(tp, Duration.ofSeconds(10));
                java.util.OptionalLong lag = c.currentLag(tp);
                boolean atEnd = lag.isPresent() && lag.getAsLong() == 0;
                PeerHub.ReplayOutcome outcome = hub.offerReplayed(s, tp, routed, position, atEnd);
                replayed += routed.size();
                expected.put(tp, position);
                if (outcome == PeerHub.ReplayOutcome.GONE) {
                    return replayed;
                }
            }
        }
        return replayed;
    }

    private void seek(PeerSession s, Consumer<byte[], byte[]> c, TopicPartition tp, long next) {
        long begin = c.beginningOffsets(List.of(tp), Duration.ofSeconds(10)).getOrDefault(tp, 0L);
        if (next < begin) {
            log.warn("{}: offsets {}..{} of {} are no longer in Kafka (retention); resuming at {}", s, next, begin - 1, tp,
                    begin);
            metrics.replayGap();
            next = begin;
        }
        c.seek(tp, next);
    }

    @Override
    public void close() {
        closed = true;
        running.values().forEach(Consumer::wakeup);
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("replay threads did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
