package io.sluice.device;

import java.util.Set;

/** Access to the package-private {@link TestSourceServer} from tests in other packages. */
public final class TestSourceServers {
    private TestSourceServers() {
    }

    public static Handle start() throws InterruptedException {
        return new Handle(new TestSourceServer().start(0));
    }

    public static Set<Long> receivedSeqs(Handle h, String device) {
        return h.server.received.getOrDefault(device, Set.of());
    }

    /** A started test source. */
    public static final class Handle implements AutoCloseable {
        final TestSourceServer server;

        Handle(TestSourceServer server) {
            this.server = server;
        }

        public int port() {
            return server.port();
        }

        @Override
        public void close() throws InterruptedException {
            server.close();
        }
    }
}
