package io.sluice.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.json.TelemetryJson;
import io.sluice.protocol.telemetry.DeviceReading;
import java.time.Clock;
import java.util.List;

/**
 * Netty inbound handler for line mode: newline-delimited JSON readings
 * ({@link TelemetryJson#parseLine}) to {@link DeviceReading}s; a reading without {@code ts}
 * gets its arrival time. A line
 * longer than the limit is refused as soon as the limit is passed, without buffering it.
 * Empty lines are skipped; {@code \r\n} works too. Readings that parse but break a content
 * rule come out as {@link RejectedLine}s so the server can answer and go on.
 */
public final class LineDecoder extends ByteToMessageDecoder {
    private final ProtocolLimits limits;
    private final Clock clock;
    private long lineNumber;
    private boolean failed;

    public LineDecoder(ProtocolLimits limits) {
        this(limits, Clock.systemUTC());
    }

    /** @param clock gives the arrival time of readings that carry no {@code ts} */
    public LineDecoder(ProtocolLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** A line that was valid JSON but broke a content rule (non-fatal: the connection goes on). */
    public record RejectedLine(long lineNumber, ProtocolException error) {
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.isReadable()) {
                int start = in.readerIndex();
                int nl = in.indexOf(start, in.writerIndex(), (byte) '\n');
                if (nl < 0) {
                    if (in.readableBytes() > limits.maxLineBytes()) {
                        throw new ProtocolException(ErrorCode.LINE_TOO_LONG, "line " + (lineNumber + 1)
                                + " is longer than the limit of " + limits.maxLineBytes() + " bytes");
                    }
                    return;
                }
                int end = nl > start && in.getByte(nl - 1) == '\r' ? nl - 1 : nl;
                int len = end - start;
                long number = ++lineNumber;
                if (len > limits.maxLineBytes()) {
                    throw new ProtocolException(ErrorCode.LINE_TOO_LONG, "line " + number + " is " + len
                            + " bytes, the limit is " + limits.maxLineBytes());
                }
                ByteBuf line = in.slice(start, len);
                in.readerIndex(nl + 1);
                if (isBlank(line)) {
                    continue;
                }
                DeviceReading reading = TelemetryJson.parseLine(line, number);
                if (reading.reading().timestampMs() == Reading.NO_TIME) {
                    reading = reading.withTimestamp(clock.millis());
                }
                try {
                    limits.checkReading(reading.reading());
                    out.add(reading);
                } catch (ProtocolException e) {
                    if (e.code().fatal()) {
                        throw e;
                    }
                    out.add(new RejectedLine(number, e));
                }
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private static boolean isBlank(ByteBuf line) {
        for (int i = line.readerIndex(); i < line.writerIndex(); i++) {
            byte b = line.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
