package io.sluice.protocol.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.frame.ByteRange;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileLayoutTest {

    @Test
    void anEmptyFileIsOneEmptyChunk() {
        FileLayout l = new FileLayout(0, 100);
        assertThat(l.chunkCount()).isEqualTo(1);
        assertThat(l.lengthOf(0)).isZero();
        assertThat(l.indexOf(0)).isZero();
        BitSet one = new BitSet();
        one.set(0);
        assertThat(l.ranges(one)).containsExactly(new ByteRange(0, 0));
        assertThat(l.chunks(List.of(new ByteRange(0, 0)))).isEqualTo(one);
        assertThat(l.chunks(List.of()).isEmpty()).isTrue();
    }

    @Test
    void chunksAtTheBoundaries() {
        assertThat(new FileLayout(1, 100).chunkCount()).isEqualTo(1);
        assertThat(new FileLayout(100, 100).chunkCount()).isEqualTo(1);
        FileLayout l = new FileLayout(101, 100);
        assertThat(l.chunkCount()).isEqualTo(2);
        assertThat(l.lengthOf(1)).isEqualTo(1);
        assertThat(l.indexOf(100)).isEqualTo(1);
        assertThat(l.indexOf(50)).isEqualTo(-1);
        assertThat(l.indexOf(200)).isEqualTo(-1);
        assertThat(l.prefix(2)).containsExactly(new ByteRange(0, 101));
    }

    @Test
    void rangesAndChunksConvertBothWays() {
        FileLayout l = new FileLayout(1000, 100);
        BitSet s = new BitSet();
        s.set(0, 3);
        s.set(5);
        s.set(9);
        List<ByteRange> ranges = l.ranges(s);
        assertThat(ranges).containsExactly(new ByteRange(0, 300), new ByteRange(500, 600), new ByteRange(900, 1000));
        assertThat(l.chunks(ranges)).isEqualTo(s);
        // a chunk only half inside a range does not count
        assertThat(l.chunks(List.of(new ByteRange(0, 250))).cardinality()).isEqualTo(2);
    }

    @Test
    void tooManyChunksIsRefused() {
        assertThatThrownBy(() -> new FileLayout(Long.MAX_VALUE / 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
