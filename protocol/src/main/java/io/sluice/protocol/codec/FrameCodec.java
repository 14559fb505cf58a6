package io.sluice.protocol.codec;

import static io.sluice.protocol.codec.Wire.bool;
import static io.sluice.protocol.codec.Wire.bytes;
import static io.sluice.protocol.codec.Wire.count;
import static io.sluice.protocol.codec.Wire.f64;
import static io.sluice.protocol.codec.Wire.fixed;
import static io.sluice.protocol.codec.Wire.i32;
import static io.sluice.protocol.codec.Wire.i64;
import static io.sluice.protocol.codec.Wire.str;
import static io.sluice.protocol.codec.Wire.u16;
import static io.sluice.protocol.codec.Wire.u32;
import static io.sluice.protocol.codec.Wire.u8;
import static io.sluice.protocol.codec.Wire.writeBytes;
import static io.sluice.protocol.codec.Wire.writeStr;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ByteRange;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileDelivery;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.FileStatus;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.FrameType;
import io.sluice.protocol.frame.Hello;
import io.sluice.protocol.frame.HelloOk;
import io.sluice.protocol.frame.PeerAck;
import io.sluice.protocol.frame.PeerHello;
import io.sluice.protocol.frame.Ping;
import io.sluice.protocol.frame.Pong;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.frame.ReadingBatch;
import io.sluice.protocol.frame.Records;
import io.sluice.protocol.frame.Subscribe;
import io.sluice.protocol.frame.Subscribed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of every frame: {@code [u32 length][u8 type][payload]}, big-endian, where
 * {@code length} counts the type byte and the payload. The layouts are specified in
 * {@code docs/protocol.md}. This class is pure (no Netty pipeline); {@link FrameDecoder} and
 * {@link FrameEncoder} put it on a channel.
 */
public final class FrameCodec {
    /** Bytes of the length prefix. */
    public static final int LENGTH_BYTES = 4;
    public static final int SHA256_BYTES = 32;

    /** Smallest encoded reading: seq, ts, empty metric length, value, tag count. */
    private static final int MIN_READING_BYTES = 8 + 8 + 2 + 8 + 1;
    private static final int MIN_RECORD_BYTES = 2 + 4 + 8 + 8 + 4 + 4;
    private static final int MIN_CURSOR_BYTES = 2 + 4 + 8;
    private static final int TEXT = ProtocolLimits.MAX_TEXT_BYTES;

    private FrameCodec() {
    }

    // ---------------------------------------------------------------- encode

    /** Writes the whole frame, length prefix included; returns its length value (type + payload). */
    public static int encode(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeByte(frame.type().code());
        switch (frame.type()) {
            case HELLO -> {
                Hello h = (Hello) frame;
                out.writeShort(h.version());
                writeStr(out, h.deviceId(), "deviceId", TEXT);
                writeStr(out, h.token(), "token", TEXT);
            }
            case HELLO_OK -> {
                HelloOk h = (HelloOk) frame;
                out.writeShort(h.version());
                out.writeLong(h.resumeSeq());
                out.writeInt(h.maxFrameBytes());
                out.writeInt(h.maxBatchReadings());
                out.writeInt(h.heartbeatIntervalMs());
            }
            case READING -> writeReading(out, ((Reading) frame));
            case READING_BATCH -> {
                ReadingBatch b = (ReadingBatch) frame;
                if (b.readings().size() > 65_535) {
                    throw new IllegalArgumentException("a batch holds at most 65535 readings, got " + b.readings().size());
                }
                out.writeShort(b.readings().size());
                for (Reading r : b.readings()) {
                    writeReading(out, r);
                }
            }
            case ACK -> out.writeLong(((Ack) frame).seq());
            case PING -> out.writeLong(((Ping) frame).nonce());
            case PONG -> out.writeLong(((Pong) frame).nonce());
            case ERROR -> {
                ErrorFrame e = (ErrorFrame) frame;
                out.writeShort(e.code().code());
                out.writeLong(e.seq());
                writeStr(out, truncate(e.message()), "message", TEXT);
            }
            case FILE_INIT -> {
                FileInit f = (FileInit) frame;
                writeStr(out, f.fileId(), "fileId", TEXT);
                writeStr(out, f.name(), "name", ProtocolLimits.MAX_FILE_NAME_BYTES);
                out.writeLong(f.size());
                writeSha(out, f.sha256());
                out.writeInt(f.chunkSize());
            }
            case FILE_CHUNK -> {
                FileChunk c = (FileChunk) frame;
                writeStr(out, c.fileId(), "fileId", TEXT);
                out.writeLong(c.offset());
                out.writeInt(c.crc32c());
                writeBytes(out, c.data());
            }
            case FILE_FIN -> writeStr(out, ((FileFin) frame).fileId(), "fileId", TEXT);
            case FILE_STATUS -> {
                FileStatus s = (FileStatus) frame;
                writeStr(out, s.fileId(), "fileId", TEXT);
                out.writeByte(s.complete() ? 1 : 0);
                out.writeShort(s.committed().size());
                for (ByteRange r : s.committed()) {
                    out.writeLong(r.start());
                    out.writeLong(r.end());
                }
            }
            case PEER_HELLO -> {
                PeerHello h = (PeerHello) frame;
                out.writeShort(h.version());
                writeStr(out, h.peerName(), "peerName", TEXT);
                writeStr(out, h.token(), "token", TEXT);
            }
            case SUBSCRIBE -> {
                Subscribe s = (Subscribe) frame;
                writeStrings(out, s.topics(), "topics");
                writeStrings(out, s.topicPatterns(), "topicPatterns");
                writeStrings(out, s.devices(), "devices");
                writeStrings(out, s.metrics(), "metrics");
                writeCursors(out, s.resumeFrom());
            }
            case SUBSCRIBED -> {
                Subscribed s = (Subscribed) frame;
                writeStrings(out, s.topics(), "topics");
                writeStrings(out, s.endpoints(), "endpoints");
            }
            case RECORDS -> {
                Records rs = (Records) frame;
                out.writeShort(checkCount(rs.records().size(), "records"));
                for (DeliveredRecord r : rs.records()) {
                    writeStr(out, r.topic(), "topic", TEXT);
                    out.writeInt(r.partition());
                    out.writeLong(r.offset());
                    out.writeLong(r.timestamp());
                    writeBytes(out, r.key());
                    writeBytes(out, r.value());
                }
            }
            case PEER_ACK -> writeCursors(out, ((PeerAck) frame).cursors());
            case FILE_DELIVERY -> {
                FileDelivery f = (FileDelivery) frame;
                writeStr(out, f.topic(), "topic", TEXT);
                out.writeInt(f.partition());
                out.writeLong(f.offset());
                writeStr(out, f.deviceId(), "deviceId", TEXT);
                writeStr(out, f.fileId(), "fileId", TEXT);
                writeStr(out, f.name(), "name", ProtocolLimits.MAX_FILE_NAME_BYTES);
                out.writeLong(f.size());
                writeSha(out, f.sha256());
                out.writeInt(f.chunkSize());
                out.writeLong(f.chunkOffset());
                out.writeInt(f.crc32c());
                writeBytes(out, f.data());
            }
        }
        int length = out.writerIndex() - start - LENGTH_BYTES;
        out.setInt(start, length);
        return length;
    }

    /** Exact encoded size of one reading inside a batch (for batching up to a frame limit). */
    public static int encodedSize(Reading r) {
        int size = MIN_READING_BYTES + utf8Length(r.metric());
        for (Map.Entry<String, String> t : r.tags().entrySet()) {
            size += 4 + utf8Length(t.getKey()) + utf8Length(t.getValue());
        }
        return size;
    }

    /** Bytes a batch frame takes on the wire beyond its readings: length, type, count. */
    public static final int BATCH_OVERHEAD_BYTES = LENGTH_BYTES + 1 + 2;

    private static void writeReading(ByteBuf out, Reading r) {
        out.writeLong(r.seq());
        out.writeLong(r.timestampMs());
        writeStr(out, r.metric(), "metric", TEXT);
        out.writeDouble(r.value());
        if (r.tags().size() > 255) {
            throw new IllegalArgumentException("a reading carries at most 255 tags, got " + r.tags().size());
        }
        out.writeByte(r.tags().size());
        for (Map.Entry<String, String> t : r.tags().entrySet()) {
            writeStr(out, t.getKey(), "tag key", TEXT);
            writeStr(out, t.getValue(), "tag value", TEXT);
        }
    }

    private static void writeSha(ByteBuf out, byte[] sha) {
        if (sha.length != SHA256_BYTES) {
            throw new IllegalArgumentException("sha256 must be 32 bytes, got " + sha.length);
        }
        out.writeBytes(sha);
    }

    private static void writeStrings(ByteBuf out, List<String> list, String field) {
        out.writeShort(checkCount(list.size(), field));
        for (String s : list) {
            writeStr(out, s, field, TEXT);
        }
    }

    private static void writeCursors(ByteBuf out, List<Cursor> cursors) {
        out.writeShort(checkCount(cursors.size(), "cursors"));
        for (Cursor c : cursors) {
            writeStr(out, c.topic(), "topic", TEXT);
            out.writeInt(c.partition());
            out.writeLong(c.offset());
        }
    }

    private static int checkCount(int n, String field) {
        if (n > 65_535) {
            throw new IllegalArgumentException("at most 65535 " + field + " per frame, got " + n);
        }
        return n;
    }

    private static String truncate(String message) {
        // error messages are for humans: cut rather than fail
        return message.length() > 1000 ? message.substring(0, 1000) + "..." : message;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- decode

    /**
     * Decodes one frame from {@code frame}, which holds exactly the type byte and the payload
     * (the length prefix already removed). Consumes it whole.
     *
     * @throws ProtocolException for anything malformed; never any other exception
     */
    public static Frame decode(ByteBuf frame, ProtocolLimits limits) {
        if (frame.readableBytes() > limits.maxFrameBytes()) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "frame of " + frame.readableBytes()
                    + " bytes exceeds the limit of " + limits.maxFrameBytes());
        }
        int code = u8(frame, "type");
        FrameType type = FrameType.fromCode(code);
        if (type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_FRAME_TYPE, "unknown frame type 0x" + Integer.toHexString(code));
        }
        Frame f = switch (type) {
            case HELLO -> new Hello(u16(frame, "version"), str(frame, "deviceId", TEXT), str(frame, "token", TEXT));
            case HELLO_OK -> new HelloOk(u16(frame, "version"), i64(frame, "resumeSeq"),
                    u32(frame, "maxFrameBytes", Integer.MAX_VALUE), u32(frame, "maxBatchReadings", Integer.MAX_VALUE),
                    u32(frame, "heartbeatIntervalMs", Integer.MAX_VALUE));
            case READING -> readReading(frame);
            case READING_BATCH -> readBatch(frame, limits);
            case ACK -> new Ack(i64(frame, "seq"));
            case PING -> new Ping(i64(frame, "nonce"));
            case PONG -> new Pong(i64(frame, "nonce"));
            case ERROR -> readError(frame);
            case FILE_INIT -> readFileInit(frame);
            case FILE_CHUNK -> new FileChunk(str(frame, "fileId", TEXT), nonNegative(i64(frame, "offset"), "offset"),
                    i32(frame, "crc32c"), bytes(frame, "data"));
            case FILE_FIN -> new FileFin(str(frame, "fileId", TEXT));
            case FILE_STATUS -> readFileStatus(frame);
            case PEER_HELLO -> new PeerHello(u16(frame, "version"), str(frame, "peerName", TEXT), str(frame, "token", TEXT));
            case SUBSCRIBE -> new Subscribe(readStrings(frame, "topics"), readStrings(frame, "topicPatterns"),
                    readStrings(frame, "devices"), readStrings(frame, "metrics"), readCursors(frame));
            case SUBSCRIBED -> new Subscribed(readStrings(frame, "topics"), readStrings(frame, "endpoints"));
            case RECORDS -> readRecords(frame);
            case PEER_ACK -> new PeerAck(readCursors(frame));
            case FILE_DELIVERY -> readFileDelivery(frame);
        };
        if (frame.isReadable()) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, frame.readableBytes() + " unexpected bytes after "
                    + type + " frame");
        }
        return f;
    }

    private static Reading readReading(ByteBuf in) {
        long seq = i64(in, "seq");
        long ts = i64(in, "timestamp");
        String metric = str(in, "metric", TEXT);
        double value = f64(in, "value");
        int n = u8(in, "tag count");
        if (n == 0) {
            return new Reading(seq, ts, metric, value, Map.of());
        }
        if ((long) n * 4 > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, n + " tags cannot fit in the "
                    + in.readableBytes() + " bytes left");
        }
        Map<String, String> tags = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String k = str(in, "tag key", TEXT);
            String v = str(in, "tag value", TEXT);
            if (tags.put(k, v) != null) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "tag key '" + ProtocolLimits.printable(k)
                        + "' appears twice in reading " + seq);
            }
        }
        return new Reading(seq, ts, metric, value, tags);
    }

    private static ReadingBatch readBatch(ByteBuf in, ProtocolLimits limits) {
        int n = u16(in, "reading count");
        if (n > limits.maxBatchReadings()) {
            throw new ProtocolException(ErrorCode.BATCH_TOO_LARGE, "batch of " + n + " readings, the limit is "
                    + limits.maxBatchReadings());
        }
        if ((long) n * MIN_READING_BYTES > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, n + " readings cannot fit in the "
                    + in.readableBytes() + " bytes left");
        }
        List<Reading> readings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            readings.add(readReading(in));
        }
        return new ReadingBatch(readings);
    }

    private static ErrorFrame readError(ByteBuf in) {
        ErrorCode code = ErrorCode.fromCode(u16(in, "code"));
        long seq = i64(in, "seq");
        return new ErrorFrame(code, str(in, "message", TEXT), seq);
    }

    private static FileInit readFileInit(ByteBuf in) {
        String fileId = str(in, "fileId", TEXT);
        String name = str(in, "name", ProtocolLimits.MAX_FILE_NAME_BYTES);
        long size = nonNegative(i64(in, "size"), "size");
        byte[] sha = fixed(in, SHA256_BYTES, "sha256");
        int chunkSize = u32(in, "chunkSize", Integer.MAX_VALUE);
        if (chunkSize == 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'chunkSize' must be positive");
        }
        return new FileInit(fileId, name, size, sha, chunkSize);
    }

    private static FileStatus readFileStatus(ByteBuf in) {
        String fileId = str(in, "fileId", TEXT);
        boolean complete = bool(in, "complete");
        int n = count(in, "ranges", 65_535, 16);
        List<ByteRange> ranges = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = i64(in, "range start");
            long end = i64(in, "range end");
            if (start < 0 || end < start) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "bad byte range [" + start + ", " + end + ")");
            }
            ranges.add(new ByteRange(start, end));
        }
        return new FileStatus(fileId, ranges, complete);
    }

    private static Records readRecords(ByteBuf in) {
        int n = count(in, "records", 65_535, MIN_RECORD_BYTES);
        List<DeliveredRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String topic = str(in, "topic", TEXT);
            int partition = nonNegative(i32(in, "partition"), "partition");
            long offset = nonNegative(i64(in, "offset"), "offset");
            long timestamp = i64(in, "timestamp");
            records.add(new DeliveredRecord(topic, partition, offset, timestamp, bytes(in, "key"), bytes(in, "value")));
        }
        return new Records(records);
    }

    private static FileDelivery readFileDelivery(ByteBuf in) {
        return new FileDelivery(str(in, "topic", TEXT), nonNegative(i32(in, "partition"), "partition"),
                nonNegative(i64(in, "offset"), "offset"), str(in, "deviceId", TEXT), str(in, "fileId", TEXT),
                str(in, "name", ProtocolLimits.MAX_FILE_NAME_BYTES), nonNegative(i64(in, "size"), "size"),
                fixed(in, SHA256_BYTES, "sha256"), u32(in, "chunkSize", Integer.MAX_VALUE),
                nonNegative(i64(in, "chunkOffset"), "chunkOffset"), i32(in, "crc32c"), bytes(in, "data"));
    }

    private static List<String> readStrings(ByteBuf in, String field) {
        int n = count(in, field, 65_535, 2);
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(str(in, field, TEXT));
        }
        return list;
    }

    private static List<Cursor> readCursors(ByteBuf in) {
        int n = count(in, "cursors", 65_535, MIN_CURSOR_BYTES);
        List<Cursor> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String topic = str(in, "topic", TEXT);
            int partition = nonNegative(i32(in, "partition"), "partition");
            long offset = i64(in, "offset");
            if (offset < -1) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "cursor offset must be -1 or more, was " + offset);
            }
            list.add(new Cursor(topic, partition, offset));
        }
        return list;
    }

    private static long nonNegative(long v, String field) {
        if (v < 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' must not be negative, was " + v);
        }
        return v;
    }

    private static int nonNegative(int v, String field) {
        if (v < 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "'" + field + "' must not be negative, was " + v);
        }
        return v;
    }
}
