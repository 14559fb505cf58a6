package io.sluice.testkit;

import java.util.Map;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one real Kafka broker and one real Connect cluster per test JVM, started
 * lazily on first use and shared by every test class, closed after the last one (they live in
 * the root {@link ExtensionContext.Store}). Inject them as parameters:
 *
 * <pre>{@code
 * @ExtendWith(SharedKafka.class)
 * class MyIT {
 *     @Test void works(TestKafka kafka) { ... }
 *     @Test void connects(EmbeddedConnectCluster connect) { ... }
 * }
 * }</pre>
 *
 * The broker is an in-JVM KRaft node unless {@code -Dsluice.test.kafka=testcontainers} asks for
 * the {@code apache/kafka} container (Docker required). Tests on the shared clusters use unique
 * topic, connector and group names ({@link TestKafka#uniqueName}).
 */
public final class SharedKafka implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedKafka.class);
    public static final String BACKEND_PROPERTY = "sluice.test.kafka";

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        Class<?> t = p.getParameter().getType();
        return t == TestKafka.class || t == EmbeddedConnectCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) throws ParameterResolutionException {
        Class<?> t = p.getParameter().getType();
        ExtensionContext.Store store = c.getRoot().getStore(NS);
        if (t == TestKafka.class) {
            return store.getOrComputeIfAbsent("kafka", k -> new Closing<>(startKafka()), Closing.class).value;
        }
        return store.getOrComputeIfAbsent("connect",
                k -> new Closing<>(ConnectClusters.start("sluice-shared", 1, Map.of())), Closing.class).value;
    }

    private static TestKafka startKafka() {
        String backend = System.getProperty(BACKEND_PROPERTY, "kraft");
        return switch (backend) {
            case "kraft" -> KraftTestKafka.start();
            case "testcontainers" -> ContainerTestKafka.start();
            default -> throw new IllegalArgumentException(BACKEND_PROPERTY + " must be kraft or testcontainers, was " + backend);
        };
    }

    /** Closes its value when JUnit closes the root store, after the last test class. */
    static final class Closing<T> implements ExtensionContext.Store.CloseableResource {
        final T value;

        Closing(T value) {
            this.value = value;
        }

        @Override
        public void close() throws Exception {
            if (value instanceof EmbeddedConnectCluster ecc) {
                ecc.stop();
            } else if (value instanceof AutoCloseable ac) {
                ac.close();
            }
        }
    }
}
