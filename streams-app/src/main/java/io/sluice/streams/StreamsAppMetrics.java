package io.sluice.streams;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counters of one app instance, written by processors, consumers and the controller; read over JMX. */
public final class StreamsAppMetrics implements StreamsAppMetricsMXBean {
    private static final Logger log = LoggerFactory.getLogger(StreamsAppMetrics.class);

    final LongAdder readings = new LongAdder();
    final LongAdder gapRecords = new LongAdder();
    final LongAdder lateReadings = new LongAdder();
    final LongAdder lateGaps = new LongAdder();
    final LongAdder deadLetters = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder finals = new LongAdder();
    final LongAdder updates = new LongAdder();
    final LongAdder idleClosed = new LongAdder();
    final LongAdder deviceClosed = new LongAdder();
    final LongAdder streamTimeClosed = new LongAdder();
    final LongAdder alignmentPauses = new LongAdder();

    private final Clock clock;
    private volatile boolean paused;
    private volatile long pausedSince;
    private final AtomicLong pausedTotal = new AtomicLong();
    private final AtomicLong pauseCount = new AtomicLong();
    private volatile long downstreamLag = -1;
    private volatile double producerBufferRatio;
    private volatile long skew;
    private final java.util.concurrent.ConcurrentHashMap<Object, int[]> pausedByConsumer = new java.util.concurrent.ConcurrentHashMap<>();
    private ObjectName registered;

    public StreamsAppMetrics(Clock clock) {
        this.clock = clock;
    }

    public void reading() {
        readings.increment();
    }

    public void gap() {
        gapRecords.increment();
    }

    public void lateReading() {
        lateReadings.increment();
    }

    public void lateGap() {
        lateGaps.increment();
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    public void skipped() {
        skipped.increment();
    }

    /** A final aggregate, by what closed its window: {@code device}, {@code stream_time} or {@code idle}. */
    public void finalAggregate(String closedBy) {
        finals.increment();
        switch (closedBy) {
            case "idle" -> idleClosed.increment();
            case "device" -> deviceClosed.increment();
            default -> streamTimeClosed.increment();
        }
    }

    public void updateAggregate() {
        updates.increment();
    }

    public void alignmentPaused(int partitions) {
        alignmentPauses.add(partitions);
    }

    /** The controller's state changes. */
    public synchronized void controllerPaused(boolean nowPaused) {
        long now = clock.millis();
        if (nowPaused && !paused) {
            pausedSince = now;
            pauseCount.incrementAndGet();
        } else if (!nowPaused && paused) {
            pausedTotal.addAndGet(now - pausedSince);
        }
        paused = nowPaused;
    }

    public void downstream(long lag, double bufferRatio) {
        this.downstreamLag = lag;
        this.producerBufferRatio = bufferRatio;
    }

    public void skew(long skewMs) {
        this.skew = skewMs;
    }

    /** What one consumer has paused now: {all paused by the app, paused by alignment}. */
    public void consumerPaused(Object consumer, int byApp, int byAlignment) {
        pausedByConsumer.put(consumer, new int[] {byApp, byAlignment});
    }

    public void consumerClosed(Object consumer) {
        pausedByConsumer.remove(consumer);
    }

    @Override
    public boolean isPaused() {
        return paused;
    }

    @Override
    public int getPausedPartitions() {
        return pausedByConsumer.values().stream().mapToInt(a -> a[0]).sum();
    }

    @Override
    public int getAlignmentPausedPartitions() {
        return pausedByConsumer.values().stream().mapToInt(a -> a[1]).sum();
    }

    @Override
    public long getPauseCount() {
        return pauseCount.get();
    }

    @Override
    public long getAlignmentPauseCount() {
        return alignmentPauses.sum();
    }

    @Override
    public synchronized long getPausedTimeMs() {
        return pausedTotal.get() + (paused ? clock.millis() - pausedSince : 0);
    }

    @Override
    public long getDownstreamLag() {
        return downstreamLag;
    }

    @Override
    public double getProducerBufferRatio() {
        return producerBufferRatio;
    }

    @Override
    public long getStreamTimeSkewMs() {
        return skew;
    }

    @Override
    public long getReadings() {
        return readings.sum();
    }

    @Override
    public long getGapRecords() {
        return gapRecords.sum();
    }

    @Override
    public long getLateReadings() {
        return lateReadings.sum();
    }

    @Override
    public long getLateGapRecords() {
        return lateGaps.sum();
    }

    @Override
    public long getDeadLetterRecords() {
        return deadLetters.sum();
    }

    @Override
    public long getSkippedRecords() {
        return skipped.sum();
    }

    @Override
    public long getFinalAggregates() {
        return finals.sum();
    }

    @Override
    public long getUpdateAggregates() {
        return updates.sum();
    }

    @Override
    public long getIdleClosedWindows() {
        return idleClosed.sum();
    }

    @Override
    public long getDeviceClosedWindows() {
        return deviceClosed.sum();
    }

    @Override
    public long getStreamTimeClosedWindows() {
        return streamTimeClosed.sum();
    }

    public static ObjectName objectName(String applicationId) {
        try {
            return new ObjectName("io.sluice.streams:type=StreamsApp,id=" + ObjectName.quote(applicationId));
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public synchronized void register(String applicationId) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = objectName(applicationId);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new StandardMBean(this, StreamsAppMetricsMXBean.class, true), name);
            registered = name;
        } catch (Exception e) {
            log.warn("cannot register the JMX metrics of {}", applicationId, e);
        }
    }

    public synchronized void unregister() {
        if (registered != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (Exception e) {
                log.debug("JMX metrics already gone", e);
            }
            registered = null;
        }
    }
}
