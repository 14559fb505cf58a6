package io.sluice.source.file;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the file side of one task; the metrics and tests read them. */
public final class FileStats {
    /** Transfers announced that this task had never seen (not in memory, not in the source offsets). */
    public final LongAdder filesStarted = new LongAdder();
    /** Transfers announced again and found in memory or in the source offsets. */
    public final LongAdder filesResumed = new LongAdder();
    /** Transfers whose completion marker Kafka has (the device was told). */
    public final LongAdder filesCompleted = new LongAdder();
    /** Transfers refused for good: wrong SHA-256, a size or name refused at FILE_INIT. */
    public final LongAdder filesFailed = new LongAdder();
    public final LongAdder chunksIn = new LongAdder();
    public final LongAdder bytesIn = new LongAdder();
    /** Chunks sent again that this task already had: not written again. */
    public final LongAdder chunksDuplicate = new LongAdder();
    /** Chunks after a refused one, dropped until the refused one comes again. */
    public final LongAdder chunksDiscarded = new LongAdder();
    public final LongAdder chunksRefused = new LongAdder();
    /** Chunk records Kafka has (commitRecord). */
    public final LongAdder chunksOut = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    /** Chunks with a wrong CRC-32C plus files with a wrong SHA-256. */
    public final LongAdder checksumFailures = new LongAdder();
    /** Transfers forgotten after files.transfer.idle.ms (their progress stays in the offsets). */
    public final LongAdder transfersForgotten = new LongAdder();
    /** File frames refused because file transfer is off. */
    public final LongAdder framesRefused = new LongAdder();
    public final LongAdder statusesSent = new LongAdder();
}
