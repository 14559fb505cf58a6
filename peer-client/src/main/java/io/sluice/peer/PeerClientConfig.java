package io.sluice.peer;

import io.netty.handler.ssl.SslContext;
import io.sluice.file.FileReceivedListener;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Cursor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of one {@link PeerClient}. Build with {@link #builder()}.
 *
 * @param endpoints        sink task endpoints to connect to (any one is enough when
 *                         {@code followEndpoints}: the sink tells the others)
 * @param listen           an address to accept connections from sink tasks in dial mode, or null
 * @param peerName         a durable peer's name (at-least-once, resumable), or empty for live-only
 * @param token            the peer token, or empty
 * @param ssl              client TLS context for {@code endpoints}, or null
 * @param serverSsl        server TLS context for {@code listen}, or null
 * @param topics           topics to subscribe to
 * @param topicPatterns    topic regular expressions
 * @param devices          device globs ({@code *}, {@code ?}); empty = all
 * @param metrics          metric globs; empty = all
 * @param resumeFrom       cursors to resume from (last processed offsets), e.g. saved by the application
 * @param ackMode          automatic or manual acks
 * @param ackInterval      how often processed positions are sent to the sink
 * @param bufferMaxRecords client buffer bound in records (reading stops when reached)
 * @param bufferMaxBytes   client buffer bound in bytes
 * @param reconnectBackoffMin first reconnect delay
 * @param reconnectBackoffMax largest reconnect delay
 * @param reconnectJitter  random share of each delay, 0..1
 * @param connectTimeout   TCP connect plus handshake deadline per attempt
 * @param heartbeat        ping interval when idle (a connection silent for 3 intervals is dead)
 * @param followEndpoints  connect to every task endpoint the sink lists
 * @param dropDuplicates   drop records whose (topic, partition, offset) was received already (default);
 *                         off, the application sees at-least-once delivery as it comes
 * @param limits           protocol limits
 * @param listener         connection events
 * @param files            where delivered files are reassembled, or null: file chunks are then
 *                         acknowledged and dropped
 */
public record PeerClientConfig(List<InetSocketAddress> endpoints, InetSocketAddress listen, String peerName, String token,
        SslContext ssl, SslContext serverSsl, List<String> topics, List<String> topicPatterns, List<String> devices,
        List<String> metrics, List<Cursor> resumeFrom, AckMode ackMode, Duration ackInterval, int bufferMaxRecords,
        long bufferMaxBytes, Duration reconnectBackoffMin, Duration reconnectBackoffMax, double reconnectJitter,
        Duration connectTimeout, Duration heartbeat, boolean followEndpoints, boolean dropDuplicates, ProtocolLimits limits,
        PeerClientListener listener, Files files) {

    /**
     * Files delivered by the sink (topics in its {@code files.topics}) are written here.
     *
     * @param folder           destination folder (partial files in {@code .sluice-partial/})
     * @param allowDirectories keep the directories of device-given names
     * @param partialTtl       partial files idle longer are removed
     * @param fsync            force each chunk to disk before acknowledging it
     * @param queueChunks      chunks waiting to be written, at most (reading stops beyond)
     * @param queueBytes       their bytes, at most
     * @param listener         told once per file finished (or failed)
     */
    public record Files(Path folder, boolean allowDirectories, Duration partialTtl, boolean fsync, int queueChunks, long queueBytes,
            FileReceivedListener listener) {
        public Files {
            if (folder == null) {
                throw new IllegalArgumentException("a destination folder is needed");
            }
            if (queueChunks < 1 || queueBytes < 1) {
                throw new IllegalArgumentException("file queue bounds must be positive");
            }
            listener = listener == null ? FileReceivedListener.NONE : listener;
        }
    }

    public PeerClientConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty() && listen == null) {
            throw new IllegalArgumentException("give at least one sink endpoint, or an address to listen on");
        }
        peerName = peerName == null ? "" : peerName;
        token = token == null ? "" : token;
        topics = List.copyOf(topics);
        topicPatterns = List.copyOf(topicPatterns);
        if (topics.isEmpty() && topicPatterns.isEmpty()) {
            throw new IllegalArgumentException("subscribe to at least one topic or topic pattern");
        }
        devices = List.copyOf(devices);
        metrics = List.copyOf(metrics);
        resumeFrom = List.copyOf(resumeFrom);
        ackMode = ackMode == null ? AckMode.AUTO : ackMode;
        if (bufferMaxRecords < 1 || bufferMaxBytes < 1) {
            throw new IllegalArgumentException("buffer bounds must be positive");
        }
        if (reconnectBackoffMin.isNegative() || reconnectBackoffMin.isZero()
                || reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("need 0 < reconnectBackoffMin <= reconnectBackoffMax");
        }
        if (reconnectJitter < 0 || reconnectJitter > 1) {
            throw new IllegalArgumentException("reconnectJitter must be between 0 and 1");
        }
        limits = limits == null ? ProtocolLimits.DEFAULTS : limits;
        listener = listener == null ? PeerClientListener.NONE : listener;
    }

    public boolean durable() {
        return !peerName.isEmpty();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: auto acks every 100 ms, 10 000 records / 16 MiB buffered, backoff 100 ms to 10 s. */
    public static final class Builder {
        private final List<InetSocketAddress> endpoints = new ArrayList<>();
        private InetSocketAddress listen;
        private String peerName = "";
        private String token = "";
        private SslContext ssl;
        private SslContext serverSsl;
        private final List<String> topics = new ArrayList<>();
        private final List<String> topicPatterns = new ArrayList<>();
        private final List<String> devices = new ArrayList<>();
        private final List<String> metrics = new ArrayList<>();
        private final List<Cursor> resumeFrom = new ArrayList<>();
        private AckMode ackMode = AckMode.AUTO;
        private Duration ackInterval = Duration.ofMillis(100);
        private int bufferMaxRecords = 10_000;
        private long bufferMaxBytes = 16L << 20;
        private Duration backoffMin = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(10);
        private double jitter = 0.2;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration heartbeat = Duration.ofSeconds(5);
        private boolean followEndpoints = true;
        private boolean dropDuplicates = true;
        private ProtocolLimits limits = ProtocolLimits.DEFAULTS;
        private PeerClientListener listener;
        private Path filesFolder;
        private boolean filesAllowDirectories;
        private Duration filesPartialTtl = Duration.ofHours(24);
        private boolean filesFsync;
        private int fileQueueChunks = 64;
        private long fileQueueBytes = 32L << 20;
        private FileReceivedListener fileListener;

        /** Reassemble delivered files in {@code folder} (see {@link Files}). */
        public Builder filesFolder(Path v) {
            filesFolder = v;
            return this;
        }

        public Builder filesAllowDirectories(boolean v) {
            filesAllowDirectories = v;
            return this;
        }

        public Builder filesPartialTtl(Duration v) {
            filesPartialTtl = v;
            return this;
        }

        public Builder filesFsync(boolean v) {
            filesFsync = v;
            return this;
        }

        public Builder fileQueue(int maxChunks, long maxBytes) {
            fileQueueChunks = maxChunks;
            fileQueueBytes = maxBytes;
            return this;
        }

        public Builder fileListener(FileReceivedListener v) {
            fileListener = v;
            return this;
        }

        public Builder endpoint(InetSocketAddress v) {
            endpoints.add(v);
            return this;
        }

        public Builder endpoints(List<InetSocketAddress> v) {
            endpoints.addAll(v);
            return this;
        }

        public Builder listen(InetSocketAddress v) {
            listen = v;
            return this;
        }

        public Builder peerName(String v) {
            peerName = v;
            return this;
        }

        public Builder token(String v) {
            token = v;
            return this;
        }

        public Builder ssl(SslContext v) {
            ssl = v;
            return this;
        }

        public Builder serverSsl(SslContext v) {
            serverSsl = v;
            return this;
        }

        public Builder topics(String... v) {
            topics.addAll(List.of(v));
            return this;
        }

        public Builder topicPatterns(String... v) {
            topicPatterns.addAll(List.of(v));
            return this;
        }

        public Builder devices(String... v) {
            devices.addAll(List.of(v));
            return this;
        }

        public Builder metrics(String... v) {
            metrics.addAll(List.of(v));
            return this;
        }

        public Builder resumeFrom(List<Cursor> v) {
            resumeFrom.addAll(v);
            return this;
        }

        public Builder ackMode(AckMode v) {
            ackMode = v;
            return this;
        }

        public Builder ackInterval(Duration v) {
            ackInterval = v;
            return this;
        }

        public Builder buffer(int maxRecords, long maxBytes) {
            bufferMaxRecords = maxRecords;
            bufferMaxBytes = maxBytes;
            return this;
        }

        public Builder reconnectBackoff(Duration min, Duration max) {
            backoffMin = min;
            backoffMax = max;
            return this;
        }

        public Builder reconnectJitter(double v) {
            jitter = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder heartbeat(Duration v) {
            heartbeat = v;
            return this;
        }

        public Builder followEndpoints(boolean v) {
            followEndpoints = v;
            return this;
        }

        public Builder dropDuplicates(boolean v) {
            dropDuplicates = v;
            return this;
        }

        public Builder limits(ProtocolLimits v) {
            limits = v;
            return this;
        }

        public Builder listener(PeerClientListener v) {
            listener = v;
            return this;
        }

        public PeerClientConfig build() {
            return new PeerClientConfig(endpoints, listen, peerName, token, ssl, serverSsl, topics, topicPatterns, devices,
                    metrics, resumeFrom, ackMode, ackInterval, bufferMaxRecords, bufferMaxBytes, backoffMin, backoffMax,
                    jitter, connectTimeout, heartbeat, followEndpoints, dropDuplicates, limits, listener,
                    filesFolder == null ? null : new Files(filesFolder, filesAllowDirectories, filesPartialTtl, filesFsync,
                            fileQueueChunks, fileQueueBytes, fileListener));
        }
    }
}
