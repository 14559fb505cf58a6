package io.sluice.protocol.codec;

import io.sluice.protocol.ErrorCode;
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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for every frame type, with awkward values (empty, unicode, NaN, extremes). */
final class Frames {
    private Frames() {
    }

    static Arbitrary<String> text() {
        // valid UTF-16 only: unpaired surrogates cannot be encoded as UTF-8 at all
        return Arbitraries.oneOf(
                Arbitraries.strings().alpha().numeric().withChars("._-:").ofMaxLength(24),
                Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMaxLength(12),
                Arbitraries.of("", "😀 emoji", "日本語", "d-1"));
    }

    static Arbitrary<byte[]> bytes(int max) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(max);
    }

    static Arbitrary<Reading> reading() {
        Arbitrary<Double> values = Arbitraries.oneOf(Arbitraries.doubles(),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE,
                        Double.MAX_VALUE));
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), text(), values,
                Arbitraries.maps(text(), text()).ofMaxSize(4))
                .as(Reading::new);
    }

    static Arbitrary<Cursor> cursor() {
        return Combinators.combine(text(), Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.longs().between(-1, Long.MAX_VALUE)).as(Cursor::new);
    }

    static Arbitrary<DeliveredRecord> record() {
        return Combinators.combine(text(), Arbitraries.integers().between(0, 1000),
                Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.longs(), bytes(16), bytes(64))
                .as(DeliveredRecord::new);
    }

    static Arbitrary<byte[]> sha() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32);
    }

    static Arbitrary<Frame> any() {
        Arbitrary<Long> nonNeg = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.integers().between(0, 65535), text(), text()).as(Hello::new),
                Combinators.combine(Arbitraries.integers().between(0, 65535), Arbitraries.longs(),
                        Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().greaterOrEqual(0),
                        Arbitraries.integers().greaterOrEqual(0)).as(HelloOk::new),
                reading().map(r -> (Frame) r),
                reading().list().ofMaxSize(20).map(ReadingBatch::new),
                Arbitraries.longs().map(Ack::new),
                Arbitraries.longs().map(Ping::new),
                Arbitraries.longs().map(Pong::new),
                Combinators.combine(Arbitraries.of(ErrorCode.class), text(), Arbitraries.longs()).as(ErrorFrame::new),
                Combinators.combine(text(), text(), nonNeg, sha(), Arbitraries.integers().between(1, Integer.MAX_VALUE))
                        .as(FileInit::new),
                Combinators.combine(text(), nonNeg, Arbitraries.integers(), bytes(100)).as(FileChunk::new),
                text().map(FileFin::new),
                Combinators.combine(text(), Arbitraries.longs().between(0, 1 << 30).list().ofMaxSize(6),
                        Arbitraries.of(true, false)).as((id, points, done) -> {
                            var ranges = points.stream().map(p -> new ByteRange(p, p + 10)).toList();
                            return new FileStatus(id, ranges, done);
                        }),
                Combinators.combine(Arbitraries.integers().between(0, 65535), text(), text()).as(PeerHello::new),
                Combinators.combine(text().list().ofMaxSize(3), text().list().ofMaxSize(3), text().list().ofMaxSize(3),
                        text().list().ofMaxSize(3), cursor().list().ofMaxSize(3)).as(Subscribe::new),
                Combinators.combine(text().list().ofMaxSize(3), text().list().ofMaxSize(3)).as(Subscribed::new),
                record().list().ofMaxSize(8).map(Records::new),
                cursor().list().ofMaxSize(5).map(PeerAck::new),
                Combinators.combine(text(), Arbitraries.integers().between(0, 100), nonNeg, text(), text(), text())
                        .as((t, p, o, dev, id, name) -> new Object[] {t, p, o, dev, id, name})
                        .flatMap(a -> Combinators.combine(nonNeg, sha(), Arbitraries.integers().between(0, Integer.MAX_VALUE),
                                nonNeg, Arbitraries.integers(), bytes(64)).as((size, sha, cs, co, crc, data) ->
                                new FileDelivery((String) a[0], (Integer) a[1], (Long) a[2], (String) a[3], (String) a[4],
                                        (String) a[5], size, sha, cs, co, crc, data))));
    }
}
