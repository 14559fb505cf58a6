package io.sluice.testkit;

import org.testcontainers.kafka.KafkaContainer;

/** Kafka in a container ({@code apache/kafka}), for machines with Docker. */
public final class ContainerTestKafka implements TestKafka {
    public static final String IMAGE = "apache/kafka:4.3.1";
    private final KafkaContainer container;

    private ContainerTestKafka(KafkaContainer container) {
        this.container = container;
    }

    public static ContainerTestKafka start() {
        KafkaContainer c = new KafkaContainer(IMAGE);
        c.start();
        return new ContainerTestKafka(c);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
