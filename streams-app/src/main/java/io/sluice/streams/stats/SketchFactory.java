package io.sluice.streams.stats;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Makes, encodes and decodes the DDSketches of one configuration (relative accuracy, bin
 * bound). The index mapping is left out of the encoded form: every sketch of the app shares it,
 * so the stored bytes are only the bins (DDSketch's own varint encoding).
 */
public final class SketchFactory {
    private final double relativeAccuracy;
    private final IndexMapping mapping;
    private final Supplier<Store> stores;

    public SketchFactory(double relativeAccuracy, int maxBins) {
        this.relativeAccuracy = relativeAccuracy;
        this.mapping = DDSketches.logarithmicCollapsingLowestDense(relativeAccuracy, maxBins).getIndexMapping();
        this.stores = () -> new CollapsingLowestDenseStore(maxBins);
    }

    public double relativeAccuracy() {
        return relativeAccuracy;
    }

    public DDSketch create() {
        return new DDSketch(mapping, stores);
    }

    public byte[] encode(DDSketch sketch) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(64);
        try {
            sketch.encode(out, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.trimmedCopy();
    }

    public DDSketch decode(byte[] bytes, int offset, int length) {
        try {
            return DDSketch.decode(ByteArrayInput.wrap(bytes, offset, length), stores, mapping);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt sketch in the window store", e);
        }
    }
}
