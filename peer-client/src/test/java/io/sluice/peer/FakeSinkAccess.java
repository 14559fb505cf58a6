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

    public void sendFrames(java.util.List<? extends io.sluice.protocol.frame.Frame> frames) {
        sink.sendFrames(frames);
    }

    public long lastAck(String topic, int partition) {
        return sink.lastAck(topic, partition);
    }

    /** The deliveries of a whole file, from Kafka offset {@code firstOffset} of partition 0 of "files". */
    public static java.util.List<io.sluice.protocol.frame.FileDelivery> deliveries(String fileId, String name, byte[] content,
            int chunk, long firstOffset) throws Exception {
        return PeerClientFilesTest.deliveries(fileId, name, content, chunk, firstOffset);
    }

    @Override
    public void close() {
        sink.close();
    }
}
