package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A second class on the same JVM: it gets the very same broker, already running. */
@ExtendWith(SharedKafka.class)
class SharedKafkaSecondIT {
    private static String firstBootstrap;

    @Test
    void theBrokerIsSharedAcrossClasses(TestKafka kafka) throws Exception {
        RoundTrip.produceAndConsumeEveryRecord(kafka, 100);
        if (firstBootstrap == null) {
            firstBootstrap = kafka.bootstrapServers();
        }
        assertThat(kafka.bootstrapServers()).isEqualTo(firstBootstrap);
    }

    @Test
    void theSameInstanceIsInjectedTwice(TestKafka a, TestKafka b) {
        assertThat(a).isSameAs(b);
    }
}
