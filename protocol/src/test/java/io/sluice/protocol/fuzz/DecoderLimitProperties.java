package io.sluice.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.codec.FrameDecoder;
import io.sluice.protocol.codec.LineDecoder;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * No allocation past the limit: what the framed and line decoders allocate follows the bytes
 * that arrived, never a length a peer declared (a frame length, a string or byte-array length
 * inside a frame), and input past the limit is refused as soon as the limit is passed. Memory is
 * measured as the bytes the decoding thread allocated ({@code ThreadMXBean}) while a fresh
 * decoder takes the input a second time (the first time loads classes); the bound is 1 MiB plus
 * 16 bytes per input byte, far below the declared lengths (up to 2 GiB) the inputs carry. Tries
 * as in {@link DecoderFuzzProperties} ({@code -Pfuzz}: 10^6).
 */
class DecoderLimitProperties {
    private static final ProtocolLimits LIMITS = ProtocolLimits.DEFAULTS.withMaxFrameBytes(1 << 20).withMaxLineBytes(4096);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What feeding a stream in chunks did: bytes fed before an error, whether anything came out, the error, bytes allocated. */
    record Outcome(int fed, boolean decoded, ProtocolException refused, long allocated) {
    }

    static Outcome feed(Supplier<EmbeddedChannel> decoder, byte[] stream, int chunk) {
        feedOnce(decoder.get(), stream, chunk);
        return feedOnce(decoder.get(), stream, chunk);
    }

    private static Outcome feedOnce(EmbeddedChannel ch, byte[] stream, int chunk) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        int fed = 0;
        boolean decoded = false;
        ProtocolException refused = null;
        try {
            for (int i = 0; i < stream.length; i += chunk) {
                int n = Math.min(chunk, stream.length - i);
                ch.writeInbound(Unpooled.wrappedBuffer(stream, i, n));
                fed += n;
                while (ch.readInbound() != null) {
                    decoded = true;
                }
            }
        } catch (ProtocolException e) {
            refused = e;
        } finally {
            ch.finishAndReleaseAll();
        }
        return new Outcome(fed, decoded, refused, THREADS.getCurrentThreadAllocatedBytes() - before);
    }

    private static long bound(byte[] stream) {
        return (1 << 20) + 16L * stream.length;
    }

    /** A frame header with any 32-bit length, a known or unknown type, then fields full of large u16/u32 lengths. */
    @Provide
    Arbitrary<byte[]> hostileFrames() {
        Arbitrary<Integer> declared = Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(1, 600));
        Arbitrary<Integer> type = Arbitraries.integers().between(0, 0x30);
        Arbitrary<byte[]> fields = Arbitraries.oneOf(
                Arbitraries.integers().map(i -> ByteBuffer.allocate(4).putInt(i).array()),
                Arbitraries.integers().between(0, 65_535).map(i -> new byte[] {(byte) (i >> 8), (byte) (int) i}),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(16))
                .list().ofMaxSize(24).map(l -> {
                    int n = l.stream().mapToInt(b -> b.length).sum();
                    ByteBuffer b = ByteBuffer.allocate(n);
                    l.forEach(b::put);
                    return b.array();
                });
        return declared.flatMap(len -> type.flatMap(t -> fields.map(body -> {
            // the declared length counts the type byte and the body; kept as generated (often a lie)
            ByteBuffer b = ByteBuffer.allocate(5 + body.length);
            b.putInt(len).put((byte) (int) t).put(body);
            return b.array();
        })));
    }

    @Property
    void frameDecodingAllocatesForTheBytesThatArrivedNotForDeclaredLengths(@ForAll("hostileFrames") byte[] stream,
            @ForAll @IntRange(min = 1, max = 64) int chunk) {
        Outcome o = feed(() -> new EmbeddedChannel(new FrameDecoder(LIMITS)), stream, chunk);
        assertThat(o.allocated()).as("bytes allocated decoding %d input bytes", stream.length).isLessThan(bound(stream));
    }

    @Property
    void aFrameLongerThanTheLimitIsRefusedFromItsLengthBeforeItsBody(
            @ForAll @IntRange(min = (1 << 20) + 1, max = Integer.MAX_VALUE) int length, @ForAll @Size(max = 2000) byte[] body,
            @ForAll @IntRange(min = 1, max = 512) int chunk) {
        byte[] stream = ByteBuffer.allocate(4 + body.length).putInt(length).put(body).array();
        Outcome o = feed(() -> new EmbeddedChannel(new FrameDecoder(LIMITS)), stream, chunk);
        assertThat(o.refused()).as("a frame of %d bytes (limit %d)", length, LIMITS.maxFrameBytes()).isNotNull();
        // FRAME_TOO_LARGE, or NOT_THIS_PROTOCOL when the first bytes are TLS, JSON or HTTP
        assertThat(o.refused().code()).isIn(ErrorCode.FRAME_TOO_LARGE, ErrorCode.NOT_THIS_PROTOCOL);
        assertThat(o.fed()).as("refused in the chunk that carried the length").isLessThan(4);
        assertThat(o.allocated()).isLessThan(bound(stream));
    }

    @Property
    void aLineWithoutNewlineIsRefusedOnceItPassesTheLimitWithoutBufferingMore(@ForAll @Size(min = 1, max = 12_000) byte[] noNewline,
            @ForAll @IntRange(min = 1, max = 1024) int chunk) {
        for (int i = 0; i < noNewline.length; i++) {
            if (noNewline[i] == '\n') {
                noNewline[i] = 'x';
            }
        }
        Outcome o = feed(() -> new EmbeddedChannel(new LineDecoder(LIMITS)), noNewline, chunk);
        assertThat(o.decoded()).as("nothing comes out of a line without its newline").isFalse();
        if (o.refused() == null) {
            assertThat(noNewline.length).as("no error before the limit is passed").isLessThanOrEqualTo(LIMITS.maxLineBytes());
        } else {
            assertThat(o.refused().code()).isEqualTo(ErrorCode.LINE_TOO_LONG);
            // refused in the chunk that passed the limit, not later
            assertThat(o.fed()).isLessThanOrEqualTo(LIMITS.maxLineBytes());
            assertThat(o.fed() + chunk).isGreaterThan(LIMITS.maxLineBytes());
        }
        assertThat(o.allocated()).isLessThan(bound(noNewline));
    }
}
