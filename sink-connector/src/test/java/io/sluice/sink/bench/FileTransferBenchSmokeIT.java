package io.sluice.sink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.SharedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The file benchmark harness works end to end on a small file (figures are not asserted). */
@ExtendWith(SharedKafka.class)
class FileTransferBenchSmokeIT {
    @Test
    void theHarnessMovesAFileAndMeasuresIt(EmbeddedConnectCluster connect, @TempDir Path dir) throws Exception {
        FileTransferBench bench = new FileTransferBench(connect, dir, new PrintStream(new ByteArrayOutputStream()));
        FileTransferBench.Result r = bench.run(3_000_000, 256 << 10);
        assertThat(r.shaMatches()).isTrue();
        assertThat(r.chunks()).isEqualTo(12);
        assertThat(r.records()).isEqualTo(13);
        assertThat(r.peerMegabytesPerSecond()).isPositive();
        assertThat(FileTransferBench.table(r, (int) r.averageRecordBytes(), 10, 1, 20, 2)).contains("device → peer");
    }
}
