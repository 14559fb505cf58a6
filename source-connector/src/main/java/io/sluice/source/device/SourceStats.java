package io.sluice.source.device;

import io.sluice.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the network side of one task; the metrics read them, tests read them. */
public final class SourceStats {
    public final LongAdder connectionsOpened = new LongAdder();
    public final LongAdder connectionsRefused = new LongAdder();
    public final AtomicInteger connectionsActive = new AtomicInteger();
    public final AtomicInteger devicesConnected = new AtomicInteger();
    public final LongAdder readingsReceived = new LongAdder();
    public final LongAdder readingsDuplicate = new LongAdder();
    public final LongAdder readingsRejected = new LongAdder();
    public final LongAdder readingsCommitted = new LongAdder();
    public final LongAdder recordsPolled = new LongAdder();
    public final LongAdder acksSent = new LongAdder();
    public final LongAdder pausesTotal = new LongAdder();
    public final AtomicInteger connectionsPaused = new AtomicInteger();
    public final LongAdder tlsPlaintextRefused = new LongAdder();
    public final LongAdder tlsHandshakeFailures = new LongAdder();
    public final LongAdder timestampsAdjusted = new LongAdder();
    public final LongAdder ackLatencyCount = new LongAdder();
    public final LongAdder ackLatencyNanos = new LongAdder();
    public final AtomicLong ackLatencyMaxNanos = new AtomicLong();
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);

    public SourceStats() {
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, new LongAdder());
        }
    }

    /** An error sent to a device. */
    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    public long errors(ErrorCode code) {
        return errors.get(code).sum();
    }

    public void ackLatency(long nanos) {
        ackLatencyCount.increment();
        ackLatencyNanos.add(nanos);
        ackLatencyMaxNanos.accumulateAndGet(nanos, Math::max);
    }
}
