package io.sluice.protocol.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ResumableSha256Properties {

    @Property(tries = 300)
    void equalsTheJdksDigestWhateverTheSplitsAndSavedStates(@ForAll @Size(max = 700) byte[] data,
            @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 700) Integer> cuts) throws Exception {
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
        ResumableSha256 h = new ResumableSha256();
        int pos = 0;
        for (int cut : cuts.stream().sorted().toList()) {
            int end = Math.min(cut, data.length);
            if (end > pos) {
                h.update(data, pos, end - pos);
                pos = end;
            }
            // a save and restore between any two updates changes nothing
            h = ResumableSha256.restore(h.state());
            assertThat(h.length()).isEqualTo(pos);
        }
        h.update(data, pos, data.length - pos);
        assertThat(h.digest()).isEqualTo(expected);
        // digest() leaves the state as it was
        assertThat(h.digest()).isEqualTo(expected);
    }

    @Test
    void knownVectors() {
        assertThat(HexFormat.of().formatHex(new ResumableSha256().digest()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(HexFormat.of().formatHex(new ResumableSha256().update("abc".getBytes()).digest()))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aCorruptStateIsRefused() {
        byte[] s = new ResumableSha256().update(new byte[70]).state();
        s[s.length - 7] = 99; // the buffered-bytes count no longer matches the length
        assertThatThrownBy(() -> ResumableSha256.restore(s)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ResumableSha256.restore(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
