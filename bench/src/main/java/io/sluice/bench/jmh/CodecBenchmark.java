package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameCodec;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Batch-frame encode and decode, in readings per second on one thread: a batch of 500
 * readings as devices send them (a few metric names, current timestamps, optional tags).
 * Scores are per reading ({@code @OperationsPerInvocation}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {
    static final int BATCH = 500;

    /** {@code none}: no tags; {@code two}: two tags per reading. */
    @Param({"none", "two"})
    public String tags;

    private ReadingBatch batch;
    private ByteBuf encoded;
    private ByteBuf out;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    public void setUp() {
        List<Reading> readings = new ArrayList<>(BATCH);
        String[] metrics = {"temperature", "humidity", "pressure", "voltage"};
        long now = System.currentTimeMillis();
        Map<String, String> t = tags.equals("two") ? Map.of("site", "plant-3", "line", "a") : Map.of();
        for (int i = 0; i < BATCH; i++) {
            readings.add(new Reading(1_000_000L + i, now + i, metrics[i % metrics.length], 20.0 + i * 0.01, t));
        }
        batch = new ReadingBatch(readings);
        encoded = alloc.directBuffer();
        FrameCodec.encode(batch, encoded);
        encoded.skipBytes(FrameCodec.LENGTH_BYTES);
        out = alloc.directBuffer(encoded.readableBytes() + 16);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
        out.release();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Frame decode() {
        return FrameCodec.decode(encoded.duplicate(), ProtocolLimits.DEFAULTS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int encode() {
        out.clear();
        return FrameCodec.encode(batch, out);
    }
}
