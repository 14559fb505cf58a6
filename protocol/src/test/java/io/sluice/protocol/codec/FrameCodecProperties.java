package io.sluice.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Frame;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the binary codec: round trips, any split of the byte stream, and hostile bytes. */
class FrameCodecProperties {
    private static final ProtocolLimits LIMITS = ProtocolLimits.DEFAULTS;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Provide
    Arbitrary<Frame> frames() {
        return Frames.any();
    }

    @Property(tries = 2000)
    void everyFrameSurvivesARoundTrip(@ForAll("frames") Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        int length = FrameCodec.encode(frame, buf);
        assertThat(buf.readInt()).isEqualTo(length);
        assertThat(FrameCodec.decode(buf, LIMITS)).isEqualTo(frame);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property(tries = 300)
    void framesSplitAtEveryByteBoundaryDecodeTheSame(@ForAll("frames") Frame a, @ForAll("frames") Frame b) {
        ByteBuf stream = Unpooled.buffer();
        FrameCodec.encode(a, stream);
        FrameCodec.encode(b, stream);
        byte[] bytes = new byte[stream.readableBytes()];
        stream.readBytes(bytes);
        for (int cut = 0; cut <= bytes.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMITS));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
            List<Object> out = new ArrayList<>();
            Object o;
            while ((o = ch.readInbound()) != null) {
                out.add(o);
            }
            assertThat(out).as("cut at %d of %d", cut, bytes.length).containsExactly(a, b);
            ch.finishAndReleaseAll();
        }
    }

    @Property(tries = 3000)
    void randomBytesOnlyEverGiveTheProtocolError(@ForAll @Size(max = 300) byte[] payload) {
        assertOnlyProtocolErrors(payload);
    }

    @Property(tries = 3000)
    void mutatedFramesOnlyEverGiveTheProtocolError(@ForAll("frames") Frame frame,
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement,
            @ForAll @IntRange(min = 0, max = 3) int extraFlips) {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(frame, buf);
        buf.skipBytes(FrameCodec.LENGTH_BYTES);
        byte[] payload = new byte[buf.readableBytes()];
        buf.readBytes(payload);
        int i = position % payload.length;
        payload[i] = replacement;
        for (int k = 1; k <= extraFlips && i + k < payload.length; k++) {
            payload[i + k] = (byte) ~payload[i + k];
        }
        assertOnlyProtocolErrors(payload);
    }

    @Property(tries = 1000)
    void hostileLengthFieldsNeverAllocatePastTheFrame(@ForAll("frames") Frame frame,
            @ForAll @IntRange(min = 1, max = 10_000) int position) {
        // overwrite 4 bytes with 0x7fffffff: a length or count that promises far more than is there
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(frame, buf);
        buf.skipBytes(FrameCodec.LENGTH_BYTES);
        byte[] payload = new byte[buf.readableBytes()];
        buf.readBytes(payload);
        int i = position % payload.length;
        for (int k = 0; k < 4 && i + k < payload.length; k++) {
            payload[i + k] = (byte) (k == 0 ? 0x7f : 0xff);
        }
        assertOnlyProtocolErrors(payload);
    }

    /**
     * Decodes {@code payload} as a frame: it may work or throw ProtocolException, and allocates
     * little. Decoded twice, measured the second time: the first run of a code path links
     * call sites (string concatenation, lambdas), a one-time cost unrelated to the input.
     */
    private static void assertOnlyProtocolErrors(byte[] payload) {
        decodeOrProtocolError(payload);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        decodeOrProtocolError(payload);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        // decoded objects are at most a few times the input; an exception with its stack trace adds a few KiB
        assertThat(allocated).as("bytes allocated decoding %d bytes", payload.length)
                .isLessThan(16L * payload.length + 256 * 1024);
    }

    private static void decodeOrProtocolError(byte[] payload) {
        try {
            FrameCodec.decode(Unpooled.wrappedBuffer(payload), LIMITS);
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 200)
    void aLengthPrefixOverTheLimitFailsBeforeTheFrameArrives(
            @ForAll @IntRange(min = ProtocolLimits.DEFAULT_MAX_FRAME_BYTES + 1) int claimed) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMITS));
        ByteBuf header = Unpooled.buffer().writeInt(claimed).writeByte(0x04);
        assertThatThrownBy(() -> ch.writeInbound(header))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds the limit of " + ProtocolLimits.DEFAULT_MAX_FRAME_BYTES);
        // everything after the error is discarded, not buffered
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }
}
