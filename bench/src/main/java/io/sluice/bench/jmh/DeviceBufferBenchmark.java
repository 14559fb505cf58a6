package io.sluice.bench.jmh;

import io.sluice.protocol.frame.Reading;
import io.sluice.source.buffer.BufferSettings;
import io.sluice.source.buffer.DeviceBuffer;
import io.sluice.source.buffer.Drained;
import io.sluice.source.buffer.Inlet;
import io.sluice.source.buffer.Offer;
import io.sluice.source.config.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The source's {@code DeviceBuffer} under contention: two device-connection threads offer
 * readings (each its own device) while the task thread polls batches of up to 500, as in the
 * connector. The buffer holds 100,000 records (the default); with {@code drop_oldest} an offer
 * never waits, so the figures are the lock's and the bookkeeping's cost; with {@code block} a
 * full buffer answers {@code FULL} and the offering thread tries again. The {@code taken}
 * counter is the readings the buffer took per second (accepted, or dropping an older one),
 * {@code full} the offers it refused; {@code polled} the readings the task thread took out.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeviceBufferBenchmark {
    @Param({"block", "drop_oldest"})
    public String policy;

    private DeviceBuffer buffer;
    private final Reading reading = new Reading(1, 1_700_000_000_000L, "temperature", 21.5, Map.of());

    /** One offering connection per thread, with its counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Connection {
        private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();
        final String device = "device-" + IDS.incrementAndGet();
        final Inlet inlet = new Inlet() {
            @Override
            public String label() {
                return device;
            }

            @Override
            public void onSpace() {
            }
        };
        public long taken;
        public long full;

        @Setup(Level.Iteration)
        public void reset() {
            taken = 0;
            full = 0;
        }
    }

    @Setup(Level.Iteration)
    public void setUp() {
        buffer = new DeviceBuffer(BufferSettings.of(100_000, 64L << 20,
                policy.equals("block") ? OverflowPolicy.BLOCK : OverflowPolicy.DROP_OLDEST).withFairShare(false));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        buffer.close();
    }

    /** The task thread's count of readings taken out. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Task {
        public long polled;

        @Setup(Level.Iteration)
        public void reset() {
            polled = 0;
        }
    }

    @Benchmark
    @Group("contended")
    @GroupThreads(2)
    public Offer offer(Connection c) {
        Offer o = buffer.offer(c.inlet, c.device, reading, 64);
        if (o == Offer.FULL) {
            c.full++;
        } else {
            c.taken++;
        }
        return o;
    }

    @Benchmark
    @Group("contended")
    @GroupThreads(1)
    public int poll(Task t) throws InterruptedException {
        List<Drained> batch = buffer.poll(500, Duration.ofMillis(1));
        t.polled += batch.size();
        return batch.size();
    }
}
