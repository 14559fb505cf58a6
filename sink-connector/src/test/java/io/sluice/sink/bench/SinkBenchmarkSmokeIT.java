package io.sluice.sink.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.SharedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The benchmark harness works end to end on a tiny run (figures are not asserted). */
@ExtendWith(SharedKafka.class)
class SinkBenchmarkSmokeIT {
    @Test
    void theHarnessDeliversEveryRecordToEveryPeerAndMeasuresTheRawConsumer(EmbeddedConnectCluster connect) throws Exception {
        SinkBenchmark bench = new SinkBenchmark(connect, new PrintStream(new ByteArrayOutputStream()));
        SinkBenchmark.Result r = bench.run("smoke", 3000, 2, true);
        assertThat(r.records()).isEqualTo(3000);
        assertThat(r.rawPerSecond()).isPositive();
        assertThat(r.sinkPerSecondPerPeer()).isPositive();
        assertThat(SinkBenchmark.table(List.of(r))).contains("| smoke | 3,000 |");
    }
}
