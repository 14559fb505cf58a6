package io.sluice.testkit;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The same check on Kafka in a container; skipped (not failed) where Docker is absent. */
@Testcontainers(disabledWithoutDocker = true)
class ContainerKafkaIT {

    @Test
    void everyProducedRecordIsConsumedThroughTheContainer() throws Exception {
        try (ContainerTestKafka kafka = ContainerTestKafka.start()) {
            RoundTrip.produceAndConsumeEveryRecord(kafka, 500);
        }
    }
}
