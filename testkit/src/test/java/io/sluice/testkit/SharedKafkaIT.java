package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class SharedKafkaIT {

    @Test
    void everyProducedRecordIsConsumedThroughTheRealBroker(TestKafka kafka) throws Exception {
        RoundTrip.produceAndConsumeEveryRecord(kafka, 500);
    }

    @Test
    void theConnectClusterAnswersAndHasItsOwnWorkingBroker(EmbeddedConnectCluster connect) throws Exception {
        assertThat(connect.allWorkersHealthy()).isTrue();
        assertThat(connect.connectors()).isNotNull();
        String bootstrap = connect.kafka().bootstrapServers();
        RoundTrip.produceAndConsumeEveryRecord(() -> bootstrap, 100);
    }
}
