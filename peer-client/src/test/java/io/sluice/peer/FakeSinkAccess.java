package io.sluice.peer;

/** Lets tests in other packages use {@link FakeSink}. */
public final class FakeSinkAccess implements AutoCloseable {
    private final FakeSink sink = new FakeSink();

    public int port() {
        return sink.port();
    }

    public boolean connected() {
        return sink.connected();
    }

    public void send(String topic, int partition, long from, long to) {
        sink.send(topic, partition, from, to);
    }

    @Override
    public void close() {
        sink.close();
    }
}
