package io.sluice.sink.config;

import io.netty.handler.ssl.ClientAuth;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.tls.TlsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Every setting of the Sluice sink connector, typed. The connector and its tasks both parse
 * with this class; cross-field rules live in {@link #crossFieldErrors} so that
 * {@code validate()} reports them and the constructor fails fast on them.
 */
public final class SluiceSinkConfig extends AbstractConfig {

    // ------------------------------------------------------------------ listener
    public static final String GROUP_LISTENER = "Peer connections";

    public static final String PEER_MODE_CONFIG = "peer.mode";
    public static final String PEER_MODE_DOC = "Who opens connections: 'listen' (each task serves peers on a port, framed "
            + "TCP/TLS and WebSocket) or 'dial' (each task connects out to peer.dial.addresses and keeps those "
            + "connections up, reconnecting with exponential backoff and jitter).";
    public static final String PEER_MODE_DEFAULT = PeerMode.LISTEN.configValue();

    public static final String LISTENER_HOST_CONFIG = "peer.listener.host";
    public static final String LISTENER_HOST_DOC = "Address the peer port binds to.";
    public static final String LISTENER_HOST_DEFAULT = "0.0.0.0";

    public static final String LISTENER_PORT_CONFIG = "peer.listener.port";
    public static final String LISTENER_PORT_DOC = "Peer port of task 0; task i listens on this port + i so several tasks "
            + "can share a worker. 0 picks a free port per task (the tasks publish their endpoints to "
            + "peer.endpoints.topic and every Subscribed message lists them). Framed and WebSocket peers share the port.";
    public static final int LISTENER_PORT_DEFAULT = 7071;

    public static final String ADVERTISED_HOST_CONFIG = "peer.listener.advertised.host";
    public static final String ADVERTISED_HOST_DOC = "Host name peers should use to reach this worker, published with the "
            + "port. Empty: the bind address, or the worker's host name when binding to a wildcard address.";
    public static final String ADVERTISED_HOST_DEFAULT = "";

    public static final String WEBSOCKET_PATH_CONFIG = "peer.websocket.path";
    public static final String WEBSOCKET_PATH_DOC = "HTTP path of the WebSocket endpoint on the peer port (JSON messages). "
            + "Empty disables WebSocket.";
    public static final String WEBSOCKET_PATH_DEFAULT = "/peers";

    public static final String DIAL_ADDRESSES_CONFIG = "peer.dial.addresses";
    public static final String DIAL_ADDRESSES_DOC = "In dial mode, the peers to connect to, as host:port. Every task "
            + "dials every address, so each peer receives all partitions of its subscription.";

    public static final String RECONNECT_BACKOFF_MIN_CONFIG = "peer.dial.backoff.min.ms";
    public static final String RECONNECT_BACKOFF_MIN_DOC = "In dial mode, first reconnect delay (doubling up to the maximum).";
    public static final long RECONNECT_BACKOFF_MIN_DEFAULT = 200L;

    public static final String RECONNECT_BACKOFF_MAX_CONFIG = "peer.dial.backoff.max.ms";
    public static final String RECONNECT_BACKOFF_MAX_DOC = "In dial mode, largest reconnect delay.";
    public static final long RECONNECT_BACKOFF_MAX_DEFAULT = 10_000L;

    public static final String MAX_PEERS_CONFIG = "peer.max.connections";
    public static final String MAX_PEERS_DOC = "Most peer connections one task accepts; more are refused with TOO_MANY_CONNECTIONS.";
    public static final int MAX_PEERS_DEFAULT = 256;

    public static final String HEARTBEAT_CONFIG = "peer.heartbeat.interval.ms";
    public static final String HEARTBEAT_DOC = "How often the task pings each peer (one ping in flight at a time); the "
            + "pongs give the round-trip time metric.";
    public static final long HEARTBEAT_DEFAULT = 5_000L;

    public static final String IDLE_TIMEOUT_CONFIG = "peer.idle.timeout.ms";
    public static final String IDLE_TIMEOUT_DOC = "A peer silent for this long (no frame, not even a pong) is dead: "
            + "it gets IDLE_TIMEOUT and is disconnected.";
    public static final long IDLE_TIMEOUT_DEFAULT = 30_000L;

    // ------------------------------------------------------------------ security
    public static final String GROUP_SECURITY = "Peer security";

    public static final String TLS_ENABLED_CONFIG = "peer.tls.enabled";
    public static final String TLS_ENABLED_DOC = "Serve (or, in dial mode, connect with) TLS. A plaintext client on a TLS "
            + "port gets a readable NOT_THIS_PROTOCOL error.";

    public static final String TLS_CERT_CONFIG = "peer.tls.certificate.chain";
    public static final String TLS_CERT_DOC = "PEM certificate chain of the task (required with TLS in listen mode).";

    public static final String TLS_KEY_CONFIG = "peer.tls.private.key";
    public static final String TLS_KEY_DOC = "PEM (PKCS#8) private key of the certificate.";

    public static final String TLS_KEY_PASSWORD_CONFIG = "peer.tls.private.key.password";
    public static final String TLS_KEY_PASSWORD_DOC = "Password of the private key, if it is encrypted.";

    public static final String TLS_TRUST_CONFIG = "peer.tls.trust.certificates";
    public static final String TLS_TRUST_DOC = "PEM CA certificates trusted for peer certificates (mTLS) or, in dial mode, "
            + "for the peers' server certificates. Empty: the JDK's defaults.";

    public static final String TLS_CLIENT_AUTH_CONFIG = "peer.tls.client.auth";
    public static final String TLS_CLIENT_AUTH_DOC = "Listen mode: ask peers for a certificate: 'none', 'optional' or "
            + "'required' (mTLS). A verified certificate's CN is the peer's principal for peer.acl.";
    public static final String TLS_CLIENT_AUTH_DEFAULT = "none";

    public static final String AUTH_TOKENS_CONFIG = "peer.auth.tokens";
    public static final String AUTH_TOKENS_DOC = "Peer tokens as a comma-separated list of principal:token. When set, "
            + "every peer must send one of these tokens in its hello (AUTH_FAILED otherwise) and is known by its principal.";

    public static final String ACL_CONFIG = "peer.acl";
    public static final String ACL_DOC = "Which topics a principal may subscribe to, as a comma-separated list of "
            + "principal:topic-regex (a principal may appear several times; '*' matches every principal). Empty: every "
            + "peer may subscribe to every topic of the connector. A denied subscription gets SUBSCRIPTION_DENIED.";

    // ------------------------------------------------------------------ delivery
    public static final String GROUP_DELIVERY = "Delivery and backpressure";

    public static final String QUEUE_MAX_RECORDS_CONFIG = "peer.queue.max.records";
    public static final String QUEUE_MAX_RECORDS_DOC = "Bound of each peer's outbound queue in records.";
    public static final int QUEUE_MAX_RECORDS_DEFAULT = 10_000;

    public static final String QUEUE_MAX_BYTES_CONFIG = "peer.queue.max.bytes";
    public static final String QUEUE_MAX_BYTES_DOC = "Bound of each peer's outbound queue in bytes (keys, values and "
            + "per-record overhead). At least peer.frame.max.bytes.";
    public static final long QUEUE_MAX_BYTES_DEFAULT = 8L << 20;

    public static final String HIGH_WATERMARK_CONFIG = "peer.queue.high.watermark";
    public static final String HIGH_WATERMARK_DOC = "Share of the queue bounds (records or bytes) above which a peer is slow "
            + "and peer.slow.policy applies.";
    public static final double HIGH_WATERMARK_DEFAULT = 0.8;

    public static final String LOW_WATERMARK_CONFIG = "peer.queue.low.watermark";
    public static final String LOW_WATERMARK_DOC = "Share of the queue bounds below which a slow peer has recovered "
            + "(paused partitions resume). Must be below peer.queue.high.watermark.";
    public static final double LOW_WATERMARK_DEFAULT = 0.4;

    public static final String SLOW_POLICY_CONFIG = "peer.slow.policy";
    public static final String SLOW_POLICY_DOC = "What to do with a slow peer: 'pause' the partitions that feed it "
            + "(default; nothing lost), 'disconnect' it with SLOW_CONSUMER, or 'drop_oldest' queued records (counted; "
            + "live-only peers only, durable peers are paused instead).";
    public static final String SLOW_POLICY_DEFAULT = SlowPeerPolicy.PAUSE.configValue();

    public static final String BATCH_MAX_RECORDS_CONFIG = "peer.batch.max.records";
    public static final String BATCH_MAX_RECORDS_DOC = "Most records in one Records message.";
    public static final int BATCH_MAX_RECORDS_DEFAULT = 500;

    public static final String FRAME_MAX_BYTES_CONFIG = "peer.frame.max.bytes";
    public static final String FRAME_MAX_BYTES_DOC = "Largest frame sent or accepted. A record too large to fit goes to the "
            + "errant record reporter (or fails the task).";
    public static final int FRAME_MAX_BYTES_DEFAULT = ProtocolLimits.DEFAULT_MAX_FRAME_BYTES;

    public static final String WRITE_BUFFER_CONFIG = "peer.write.buffer.bytes";
    public static final String WRITE_BUFFER_DOC = "Socket write buffer per peer beyond which the connection is not writable "
            + "and records wait in the peer queue (the channel's high water mark; the low mark is half).";
    public static final int WRITE_BUFFER_DEFAULT = 256 << 10;

    public static final String DURABLE_EXPIRY_CONFIG = "peer.durable.expiry.ms";
    public static final String DURABLE_EXPIRY_DOC = "How long a disconnected durable peer keeps its cursors in the task and "
            + "holds back offset commits. After that it can still resume from the cursors it sends, within Kafka retention.";
    public static final long DURABLE_EXPIRY_DEFAULT = 3_600_000L;

    public static final String REPLAY_MAX_CONCURRENT_CONFIG = "peer.replay.max.concurrent";
    public static final String REPLAY_MAX_CONCURRENT_DOC = "Most peers one task re-reads Kafka for at the same time (a "
            + "consumer each); more wait their turn.";
    public static final int REPLAY_MAX_CONCURRENT_DEFAULT = 8;

    // ------------------------------------------------------------------ kafka
    public static final String GROUP_KAFKA = "Kafka access";

    public static final String KAFKA_PREFIX = "kafka.";
    public static final String BOOTSTRAP_CONFIG = "kafka.bootstrap.servers";
    public static final String BOOTSTRAP_DOC = "Brokers of the cluster the connector reads, for the task's own clients: "
            + "the replay consumer (durable peers catching up) and the endpoints topic. Other kafka.* keys "
            + "(kafka.security.protocol, kafka.sasl.jaas.config, ...) are passed to those clients too.";

    public static final String ENDPOINTS_TOPIC_CONFIG = "peer.endpoints.topic";
    public static final String ENDPOINTS_TOPIC_DOC = "Compacted topic of the connector's peer state (created if missing): "
            + "each task's peer endpoint, listed in every Subscribed message so a peer can connect to all tasks, and "
            + "durable peers' subscriptions and acknowledged offsets, so a restarted task or the task a partition moves to "
            + "still holds commits for them and resumes them from their last ack.";
    public static final String ENDPOINTS_TOPIC_DEFAULT = "_sluice-sink-endpoints";

    public static final String ENDPOINTS_RF_CONFIG = "peer.endpoints.topic.replication.factor";
    public static final String ENDPOINTS_RF_DOC = "Replication factor of the endpoints topic when the task creates it; -1 "
            + "uses the broker default.";
    public static final short ENDPOINTS_RF_DEFAULT = -1;

    // ------------------------------------------------------------------ files
    public static final String GROUP_FILES = "Files";

    public static final String FILES_TOPICS_CONFIG = "files.topics";
    public static final String FILES_TOPICS_DOC = "Topics among the connector's that hold files sent by devices (the Sluice "
            + "source's files.topic). Their chunks go to peers as FILE_DELIVERY frames (file_delivery in JSON) instead of "
            + "RECORDS; the completion markers after each file are not sent to peers. Needs the source's JsonConverter values and "
            + "this connector's value.converter ByteArrayConverter (or JsonConverter).";

    public static final String FILES_DESTINATION_FOLDER_CONFIG = "files.destination.folder";
    public static final String FILES_DESTINATION_FOLDER_DOC = "A folder on the worker where the task itself writes every file "
            + "of files.topics, reassembled and verified as PeerClient does (partial files in .sluice-partial/). Empty: the "
            + "task writes no files. Tasks of one worker may share it.";

    public static final String FILES_ALLOW_DIRECTORIES_CONFIG = "files.destination.allow.directories";
    public static final String FILES_ALLOW_DIRECTORIES_DOC = "Keep the directories of device-given names (logs/app.log) under "
            + "the destination folder; otherwise only the last part of a name is used. Names are sanitized either way: no "
            + "'..', no absolute paths, no control characters.";

    public static final String FILES_PARTIAL_TTL_CONFIG = "files.partial.ttl.ms";
    public static final String FILES_PARTIAL_TTL_DOC = "A partial file in the destination folder that got no chunk for this long "
            + "is removed (counted in file-partials-removed-total).";
    public static final long FILES_PARTIAL_TTL_DEFAULT = 24 * 3_600_000L;

    public static final String FILES_FSYNC_CONFIG = "files.destination.fsync";
    public static final String FILES_FSYNC_DOC = "Force each chunk to disk before its offset can be committed. Off, a killed "
            + "worker loses nothing, an operating system crash may (the file then fails its SHA-256 check).";

    public static final String FILES_EVENTS_TOPIC_CONFIG = "files.events.topic";
    public static final String FILES_EVENTS_TOPIC_DOC = "Topic the task writes one JSON event to per file it sees finished in "
            + "files.topics (the source's completion marker): complete or failed, with device, id, name, size, SHA-256, where "
            + "the file is in Kafka and, with files.destination.folder, its path on the worker. Written before the marker's "
            + "offset is committed (at least once). Empty: no events.";

    /** Set by the connector on each task config: the task's index, 0-based. */
    public static final String TASK_INDEX_CONFIG = "sluice.task.index";
    /** Set by the connector on each task config: how many tasks there are. */
    public static final String TASK_COUNT_CONFIG = "sluice.task.count";

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final List<String> crossFieldErrors;

    public SluiceSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        this.crossFieldErrors = crossFieldErrors(this);
        if (!crossFieldErrors.isEmpty()) {
            throw new ConfigException(String.join("; ", crossFieldErrors));
        }
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        addListenerGroup(def);
        addSecurityGroup(def);
        addDeliveryGroup(def);
        addKafkaGroup(def);
        addFilesGroup(def);
        return def;
    }

    private static void addListenerGroup(ConfigDef def) {
        int o = 0;
        def.define(PEER_MODE_CONFIG, Type.STRING, PEER_MODE_DEFAULT, caseInsensitive(PeerMode.configValues()),
                Importance.HIGH, PEER_MODE_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Peer mode");
        def.define(LISTENER_HOST_CONFIG, Type.STRING, LISTENER_HOST_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.MEDIUM, LISTENER_HOST_DOC, GROUP_LISTENER, ++o, Width.MEDIUM, "Listener host");
        def.define(LISTENER_PORT_CONFIG, Type.INT, LISTENER_PORT_DEFAULT, ConfigDef.Range.between(0, 65_535),
                Importance.HIGH, LISTENER_PORT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Listener port");
        def.define(ADVERTISED_HOST_CONFIG, Type.STRING, ADVERTISED_HOST_DEFAULT, null,
                Importance.MEDIUM, ADVERTISED_HOST_DOC, GROUP_LISTENER, ++o, Width.MEDIUM, "Advertised host");
        def.define(WEBSOCKET_PATH_CONFIG, Type.STRING, WEBSOCKET_PATH_DEFAULT, new WebSocketPathValidator(),
                Importance.LOW, WEBSOCKET_PATH_DOC, GROUP_LISTENER, ++o, Width.MEDIUM, "WebSocket path");
        def.define(DIAL_ADDRESSES_CONFIG, Type.LIST, List.of(), new HostPortListValidator(),
                Importance.HIGH, DIAL_ADDRESSES_DOC, GROUP_LISTENER, ++o, Width.LONG, "Peer addresses to dial");
        def.define(RECONNECT_BACKOFF_MIN_CONFIG, Type.LONG, RECONNECT_BACKOFF_MIN_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.LOW, RECONNECT_BACKOFF_MIN_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Dial backoff min (ms)");
        def.define(RECONNECT_BACKOFF_MAX_CONFIG, Type.LONG, RECONNECT_BACKOFF_MAX_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.LOW, RECONNECT_BACKOFF_MAX_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Dial backoff max (ms)");
        def.define(MAX_PEERS_CONFIG, Type.INT, MAX_PEERS_DEFAULT, ConfigDef.Range.between(1, 100_000),
                Importance.MEDIUM, MAX_PEERS_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max peers");
        def.define(HEARTBEAT_CONFIG, Type.LONG, HEARTBEAT_DEFAULT, ConfigDef.Range.between(100, 3_600_000),
                Importance.LOW, HEARTBEAT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Heartbeat (ms)");
        def.define(IDLE_TIMEOUT_CONFIG, Type.LONG, IDLE_TIMEOUT_DEFAULT, ConfigDef.Range.between(500, 86_400_000),
                Importance.LOW, IDLE_TIMEOUT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Idle timeout (ms)");
    }

    private static void addSecurityGroup(ConfigDef def) {
        int o = 0;
        def.define(TLS_ENABLED_CONFIG, Type.BOOLEAN, false, null,
                Importance.HIGH, TLS_ENABLED_DOC, GROUP_SECURITY, ++o, Width.SHORT, "TLS");
        def.define(TLS_CERT_CONFIG, Type.STRING, "", null,
                Importance.HIGH, TLS_CERT_DOC, GROUP_SECURITY, ++o, Width.LONG, "TLS certificate chain (PEM)");
        def.define(TLS_KEY_CONFIG, Type.STRING, "", null,
                Importance.HIGH, TLS_KEY_DOC, GROUP_SECURITY, ++o, Width.LONG, "TLS private key (PEM)");
        def.define(TLS_KEY_PASSWORD_CONFIG, Type.PASSWORD, "", null,
                Importance.MEDIUM, TLS_KEY_PASSWORD_DOC, GROUP_SECURITY, ++o, Width.MEDIUM, "TLS key password");
        def.define(TLS_TRUST_CONFIG, Type.STRING, "", null,
                Importance.MEDIUM, TLS_TRUST_DOC, GROUP_SECURITY, ++o, Width.LONG, "TLS trusted CAs (PEM)");
        def.define(TLS_CLIENT_AUTH_CONFIG, Type.STRING, TLS_CLIENT_AUTH_DEFAULT, caseInsensitive("none", "optional", "required"),
                Importance.MEDIUM, TLS_CLIENT_AUTH_DOC, GROUP_SECURITY, ++o, Width.SHORT, "TLS client authentication");
        def.define(AUTH_TOKENS_CONFIG, Type.PASSWORD, "", new TokenListValidator(),
                Importance.HIGH, AUTH_TOKENS_DOC, GROUP_SECURITY, ++o, Width.LONG, "Peer tokens");
        def.define(ACL_CONFIG, Type.LIST, List.of(), new AclValidator(),
                Importance.MEDIUM, ACL_DOC, GROUP_SECURITY, ++o, Width.LONG, "Peer topic ACL");
    }

    private static void addDeliveryGroup(ConfigDef def) {
        int o = 0;
        def.define(QUEUE_MAX_RECORDS_CONFIG, Type.INT, QUEUE_MAX_RECORDS_DEFAULT, ConfigDef.Range.between(1, 10_000_000),
                Importance.HIGH, QUEUE_MAX_RECORDS_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Peer queue records");
        def.define(QUEUE_MAX_BYTES_CONFIG, Type.LONG, QUEUE_MAX_BYTES_DEFAULT, ConfigDef.Range.between(4096, 1L << 34),
                Importance.HIGH, QUEUE_MAX_BYTES_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Peer queue bytes");
        def.define(HIGH_WATERMARK_CONFIG, Type.DOUBLE, HIGH_WATERMARK_DEFAULT, ConfigDef.Range.between(0.01, 1.0),
                Importance.MEDIUM, HIGH_WATERMARK_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "High watermark");
        def.define(LOW_WATERMARK_CONFIG, Type.DOUBLE, LOW_WATERMARK_DEFAULT, ConfigDef.Range.between(0.0, 0.99),
                Importance.MEDIUM, LOW_WATERMARK_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Low watermark");
        def.define(SLOW_POLICY_CONFIG, Type.STRING, SLOW_POLICY_DEFAULT, caseInsensitive(SlowPeerPolicy.configValues()),
                Importance.HIGH, SLOW_POLICY_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Slow peer policy");
        def.define(BATCH_MAX_RECORDS_CONFIG, Type.INT, BATCH_MAX_RECORDS_DEFAULT, ConfigDef.Range.between(1, 65_535),
                Importance.LOW, BATCH_MAX_RECORDS_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Records per message");
        def.define(FRAME_MAX_BYTES_CONFIG, Type.INT, FRAME_MAX_BYTES_DEFAULT,
                ConfigDef.Range.between(ProtocolLimits.MIN_FRAME_BYTES, ProtocolLimits.HARD_MAX_FRAME_BYTES),
                Importance.MEDIUM, FRAME_MAX_BYTES_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Max frame bytes");
        def.define(WRITE_BUFFER_CONFIG, Type.INT, WRITE_BUFFER_DEFAULT, ConfigDef.Range.between(4096, 64 << 20),
                Importance.LOW, WRITE_BUFFER_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Socket write buffer");
        def.define(DURABLE_EXPIRY_CONFIG, Type.LONG, DURABLE_EXPIRY_DEFAULT, ConfigDef.Range.atLeast(0),
                Importance.MEDIUM, DURABLE_EXPIRY_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Durable peer expiry (ms)");
        def.define(REPLAY_MAX_CONCURRENT_CONFIG, Type.INT, REPLAY_MAX_CONCURRENT_DEFAULT, ConfigDef.Range.between(1, 1024),
                Importance.LOW, REPLAY_MAX_CONCURRENT_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Concurrent replays");
    }

    private static void addKafkaGroup(ConfigDef def) {
        int o = 0;
        def.define(BOOTSTRAP_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                Importance.HIGH, BOOTSTRAP_DOC, GROUP_KAFKA, ++o, Width.LONG, "Kafka bootstrap servers");
        def.define(ENDPOINTS_TOPIC_CONFIG, Type.STRING, ENDPOINTS_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.LOW, ENDPOINTS_TOPIC_DOC, GROUP_KAFKA, ++o, Width.MEDIUM, "Endpoints topic");
        def.define(ENDPOINTS_RF_CONFIG, Type.SHORT, ENDPOINTS_RF_DEFAULT, ConfigDef.LambdaValidator.with((k, v) -> {
            short s = (Short) v;
            if (s == 0 || s < -1) {
                throw new ConfigException(k, v, "must be -1 (broker default) or at least 1");
            }
        }, () -> "-1 or [1,...]"), Importance.LOW, ENDPOINTS_RF_DOC, GROUP_KAFKA, ++o, Width.SHORT, "Endpoints topic replication");
    }

    private static void addFilesGroup(ConfigDef def) {
        int o = 0;
        def.define(FILES_TOPICS_CONFIG, Type.LIST, "", Importance.HIGH, FILES_TOPICS_DOC, GROUP_FILES, ++o, Width.LONG,
                "Files topics");
        def.define(FILES_DESTINATION_FOLDER_CONFIG, Type.STRING, "", Importance.MEDIUM, FILES_DESTINATION_FOLDER_DOC, GROUP_FILES, ++o,
                Width.LONG, "Destination folder");
        def.define(FILES_ALLOW_DIRECTORIES_CONFIG, Type.BOOLEAN, false, Importance.LOW, FILES_ALLOW_DIRECTORIES_DOC, GROUP_FILES,
                ++o, Width.SHORT, "Keep directories in names");
        def.define(FILES_PARTIAL_TTL_CONFIG, Type.LONG, FILES_PARTIAL_TTL_DEFAULT, ConfigDef.Range.between(1_000L, 365L * 24 * 3_600_000L),
                Importance.LOW, FILES_PARTIAL_TTL_DOC, GROUP_FILES, ++o, Width.SHORT, "Partial file TTL (ms)");
        def.define(FILES_FSYNC_CONFIG, Type.BOOLEAN, false, Importance.LOW, FILES_FSYNC_DOC, GROUP_FILES, ++o, Width.SHORT,
                "Sync chunks to disk");
        def.define(FILES_EVENTS_TOPIC_CONFIG, Type.STRING, "", ConfigDef.LambdaValidator.with((k, v) -> {
            String t = v == null ? "" : v.toString();
            if (!t.isEmpty() && !t.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new ConfigException(k, v, "not a valid topic name");
            }
        }, () -> "a topic name, or empty"), Importance.MEDIUM, FILES_EVENTS_TOPIC_DOC, GROUP_FILES, ++o, Width.MEDIUM,
                "File events topic");
    }

    // ------------------------------------------------------------------ cross-field rules

    /** Rules across keys, as messages keyed by the key they concern (for validate()). */
    public static Map<String, List<String>> crossFieldErrorsByKey(AbstractConfig c) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        double high = c.getDouble(HIGH_WATERMARK_CONFIG);
        double low = c.getDouble(LOW_WATERMARK_CONFIG);
        if (low >= high) {
            add(errors, LOW_WATERMARK_CONFIG, LOW_WATERMARK_CONFIG + " (" + low + ") must be below "
                    + HIGH_WATERMARK_CONFIG + " (" + high + ")");
        }
        long maxBytes = c.getLong(QUEUE_MAX_BYTES_CONFIG);
        int frame = c.getInt(FRAME_MAX_BYTES_CONFIG);
        if (maxBytes < frame) {
            add(errors, QUEUE_MAX_BYTES_CONFIG, QUEUE_MAX_BYTES_CONFIG + " (" + maxBytes + ") must be at least "
                    + FRAME_MAX_BYTES_CONFIG + " (" + frame + ") so one full message fits in a peer queue");
        }
        int batch = c.getInt(BATCH_MAX_RECORDS_CONFIG);
        int maxRecords = c.getInt(QUEUE_MAX_RECORDS_CONFIG);
        if (batch > maxRecords) {
            add(errors, BATCH_MAX_RECORDS_CONFIG, BATCH_MAX_RECORDS_CONFIG + " (" + batch + ") must not exceed "
                    + QUEUE_MAX_RECORDS_CONFIG + " (" + maxRecords + ")");
        }
        PeerMode mode = PeerMode.parse(c.getString(PEER_MODE_CONFIG));
        if (mode == PeerMode.DIAL && c.getList(DIAL_ADDRESSES_CONFIG).isEmpty()) {
            add(errors, DIAL_ADDRESSES_CONFIG, PEER_MODE_CONFIG + "=dial needs at least one address in "
                    + DIAL_ADDRESSES_CONFIG + " (host:port)");
        }
        boolean tls = c.getBoolean(TLS_ENABLED_CONFIG);
        String cert = c.getString(TLS_CERT_CONFIG);
        String key = c.getString(TLS_KEY_CONFIG);
        if (tls && mode == PeerMode.LISTEN && (cert.isBlank() || key.isBlank())) {
            add(errors, TLS_CERT_CONFIG, TLS_ENABLED_CONFIG + "=true in listen mode needs " + TLS_CERT_CONFIG + " and "
                    + TLS_KEY_CONFIG + " (PEM files)");
        }
        if (cert.isBlank() != key.isBlank()) {
            add(errors, cert.isBlank() ? TLS_CERT_CONFIG : TLS_KEY_CONFIG, TLS_CERT_CONFIG + " and " + TLS_KEY_CONFIG
                    + " go together: set both or neither");
        }
        String clientAuth = c.getString(TLS_CLIENT_AUTH_CONFIG).toLowerCase(Locale.ROOT);
        if (!clientAuth.equals("none") && !tls) {
            add(errors, TLS_CLIENT_AUTH_CONFIG, TLS_CLIENT_AUTH_CONFIG + "=" + clientAuth + " needs "
                    + TLS_ENABLED_CONFIG + "=true");
        }
        if (!clientAuth.equals("none") && c.getString(TLS_TRUST_CONFIG).isBlank()) {
            add(errors, TLS_TRUST_CONFIG, TLS_CLIENT_AUTH_CONFIG + "=" + clientAuth + " needs " + TLS_TRUST_CONFIG
                    + " (the CA that issues peer certificates)");
        }
        long heartbeat = c.getLong(HEARTBEAT_CONFIG);
        long idle = c.getLong(IDLE_TIMEOUT_CONFIG);
        if (idle <= heartbeat) {
            add(errors, IDLE_TIMEOUT_CONFIG, IDLE_TIMEOUT_CONFIG + " (" + idle + ") must be longer than "
                    + HEARTBEAT_CONFIG + " (" + heartbeat + ")");
        }
        long bmin = c.getLong(RECONNECT_BACKOFF_MIN_CONFIG);
        long bmax = c.getLong(RECONNECT_BACKOFF_MAX_CONFIG);
        if (bmax < bmin) {
            add(errors, RECONNECT_BACKOFF_MAX_CONFIG, RECONNECT_BACKOFF_MAX_CONFIG + " (" + bmax + ") must be at least "
                    + RECONNECT_BACKOFF_MIN_CONFIG + " (" + bmin + ")");
        }
        checkFiles(c, errors);
        for (String file : List.of(TLS_CERT_CONFIG, TLS_KEY_CONFIG, TLS_TRUST_CONFIG)) {
            String path = c.getString(file);
            if (tls && !path.isBlank() && !java.nio.file.Files.isReadable(Path.of(path))) {
                add(errors, file, file + ": cannot read '" + path + "'");
            }
        }
        return errors;
    }

    private static void checkFiles(AbstractConfig c, Map<String, List<String>> errors) {
        List<String> files = c.getList(FILES_TOPICS_CONFIG);
        String folder = c.getString(FILES_DESTINATION_FOLDER_CONFIG);
        String events = c.getString(FILES_EVENTS_TOPIC_CONFIG);
        if (files.isEmpty()) {
            if (!folder.isBlank() || !events.isBlank()) {
                add(errors, FILES_TOPICS_CONFIG, (folder.isBlank() ? FILES_EVENTS_TOPIC_CONFIG : FILES_DESTINATION_FOLDER_CONFIG)
                        + " needs " + FILES_TOPICS_CONFIG + ": the topics that hold files");
            }
            return;
        }
        Object topics = c.originals().get("topics");
        Object regex = c.originals().get("topics.regex");
        Pattern pattern = null;
        try {
            pattern = regex == null || regex.toString().isBlank() ? null : Pattern.compile(regex.toString().trim());
        } catch (java.util.regex.PatternSyntaxException e) {
            // Connect reports a bad topics.regex itself
        }
        List<String> read = topics == null ? List.of() : java.util.Arrays.stream(topics.toString().split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        for (String f : files) {
            boolean consumed = read.contains(f) || (pattern != null && pattern.matcher(f).matches());
            if (!consumed && (topics != null || regex != null)) {
                add(errors, FILES_TOPICS_CONFIG, FILES_TOPICS_CONFIG + ": '" + f + "' is not one of the topics the connector "
                        + "reads (topics or topics.regex)");
            }
        }
        if (!events.isBlank() && (read.contains(events) || (pattern != null && pattern.matcher(events).matches()))) {
            add(errors, FILES_EVENTS_TOPIC_CONFIG, FILES_EVENTS_TOPIC_CONFIG + " (" + events + ") must not be a topic the "
                    + "connector reads: its events would come back as records");
        }
        if (!folder.isBlank()) {
            Path p = Path.of(folder.trim()).toAbsolutePath();
            Path existing = p;
            while (existing != null && !java.nio.file.Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null || !java.nio.file.Files.isDirectory(existing) || !java.nio.file.Files.isWritable(existing)) {
                add(errors, FILES_DESTINATION_FOLDER_CONFIG, FILES_DESTINATION_FOLDER_CONFIG + ": '" + folder + "' cannot be "
                        + "created or written on this worker" + (existing == null ? "" : " (" + existing + " is not a writable folder)"));
            }
        }
    }

    private static List<String> crossFieldErrors(AbstractConfig c) {
        List<String> all = new ArrayList<>();
        crossFieldErrorsByKey(c).values().forEach(all::addAll);
        return all;
    }

    private static void add(Map<String, List<String>> errors, String key, String message) {
        errors.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
    }

    // ------------------------------------------------------------------ typed accessors

    public PeerMode peerMode() {
        return PeerMode.parse(getString(PEER_MODE_CONFIG));
    }

    public String listenerHost() {
        return getString(LISTENER_HOST_CONFIG);
    }

    /** The port task {@code taskIndex} listens on: the configured base + index, or 0 (ephemeral). */
    public int listenerPort(int taskIndex) {
        int base = getInt(LISTENER_PORT_CONFIG);
        if (base == 0) {
            return 0;
        }
        int port = base + taskIndex;
        if (port > 65_535) {
            throw new ConfigException(LISTENER_PORT_CONFIG, base, "task " + taskIndex + " would listen on port " + port
                    + ", above 65535: lower the base port or use 0");
        }
        return port;
    }

    public Optional<String> advertisedHost() {
        String h = getString(ADVERTISED_HOST_CONFIG);
        return h == null || h.isBlank() ? Optional.empty() : Optional.of(h.trim());
    }

    /** The WebSocket path, or empty when WebSocket is off. */
    public Optional<String> webSocketPath() {
        String p = getString(WEBSOCKET_PATH_CONFIG);
        return p == null || p.isBlank() ? Optional.empty() : Optional.of(p.trim());
    }

    public List<InetSocketAddress> dialAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : getList(DIAL_ADDRESSES_CONFIG)) {
            out.add(parseHostPort(s));
        }
        return out;
    }

    public Duration reconnectBackoffMin() {
        return Duration.ofMillis(getLong(RECONNECT_BACKOFF_MIN_CONFIG));
    }

    public Duration reconnectBackoffMax() {
        return Duration.ofMillis(getLong(RECONNECT_BACKOFF_MAX_CONFIG));
    }

    public int maxPeers() {
        return getInt(MAX_PEERS_CONFIG);
    }

    public Duration heartbeatInterval() {
        return Duration.ofMillis(getLong(HEARTBEAT_CONFIG));
    }

    public Duration idleTimeout() {
        return Duration.ofMillis(getLong(IDLE_TIMEOUT_CONFIG));
    }

    public boolean tlsEnabled() {
        return getBoolean(TLS_ENABLED_CONFIG);
    }

    /** Key material for the peer port, or empty without TLS. */
    public Optional<TlsSettings> tls() {
        if (!tlsEnabled()) {
            return Optional.empty();
        }
        Path cert = pathOrNull(getString(TLS_CERT_CONFIG));
        Path key = pathOrNull(getString(TLS_KEY_CONFIG));
        Path trust = pathOrNull(getString(TLS_TRUST_CONFIG));
        String pw = getPassword(TLS_KEY_PASSWORD_CONFIG).value();
        ClientAuth auth = switch (getString(TLS_CLIENT_AUTH_CONFIG).toLowerCase(Locale.ROOT)) {
            case "optional" -> ClientAuth.OPTIONAL;
            case "required" -> ClientAuth.REQUIRE;
            default -> ClientAuth.NONE;
        };
        return Optional.of(new TlsSettings(cert, key, pw == null || pw.isEmpty() ? null : pw, null, null, trust, null, null,
                auth, true));
    }

    /** Token → principal; empty when peers need no token. */
    public Map<String, String> authTokens() {
        return parseTokens(getPassword(AUTH_TOKENS_CONFIG));
    }

    /** Principal (or {@code *}) → topic patterns it may subscribe to; empty when there is no ACL. */
    public Map<String, List<Pattern>> acl() {
        Map<String, List<Pattern>> acl = new LinkedHashMap<>();
        for (String entry : getList(ACL_CONFIG)) {
            int colon = entry.indexOf(':');
            acl.computeIfAbsent(entry.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(Pattern.compile(entry.substring(colon + 1).trim()));
        }
        return acl;
    }

    public int queueMaxRecords() {
        return getInt(QUEUE_MAX_RECORDS_CONFIG);
    }

    public long queueMaxBytes() {
        return getLong(QUEUE_MAX_BYTES_CONFIG);
    }

    public double highWatermark() {
        return getDouble(HIGH_WATERMARK_CONFIG);
    }

    public double lowWatermark() {
        return getDouble(LOW_WATERMARK_CONFIG);
    }

    public SlowPeerPolicy slowPeerPolicy() {
        return SlowPeerPolicy.parse(getString(SLOW_POLICY_CONFIG));
    }

    public int batchMaxRecords() {
        return getInt(BATCH_MAX_RECORDS_CONFIG);
    }

    public ProtocolLimits limits() {
        return ProtocolLimits.DEFAULTS.withMaxFrameBytes(getInt(FRAME_MAX_BYTES_CONFIG));
    }

    public int writeBufferBytes() {
        return getInt(WRITE_BUFFER_CONFIG);
    }

    public Duration durableExpiry() {
        return Duration.ofMillis(getLong(DURABLE_EXPIRY_CONFIG));
    }

    public int replayMaxConcurrent() {
        return getInt(REPLAY_MAX_CONCURRENT_CONFIG);
    }

    /** Settings for the task's own Kafka clients: bootstrap plus every other {@code kafka.*} key. */
    public Map<String, Object> kafkaClientProps() {
        Map<String, Object> p = new LinkedHashMap<>(originalsWithPrefix(KAFKA_PREFIX));
        p.put("bootstrap.servers", getString(BOOTSTRAP_CONFIG));
        return p;
    }

    /** The topics that hold files (chunks and markers of the Sluice source). */
    public java.util.Set<String> filesTopics() {
        return java.util.Set.copyOf(getList(FILES_TOPICS_CONFIG));
    }

    /** Where the task writes files itself, if anywhere. */
    public Optional<Path> filesDestinationFolder() {
        return Optional.ofNullable(pathOrNull(getString(FILES_DESTINATION_FOLDER_CONFIG)));
    }

    public boolean filesAllowDirectories() {
        return getBoolean(FILES_ALLOW_DIRECTORIES_CONFIG);
    }

    public Duration filesPartialTtl() {
        return Duration.ofMillis(getLong(FILES_PARTIAL_TTL_CONFIG));
    }

    public boolean filesFsync() {
        return getBoolean(FILES_FSYNC_CONFIG);
    }

    public Optional<String> filesEventsTopic() {
        String t = getString(FILES_EVENTS_TOPIC_CONFIG);
        return t.isBlank() ? Optional.empty() : Optional.of(t.trim());
    }

    public String endpointsTopic() {
        return getString(ENDPOINTS_TOPIC_CONFIG);
    }

    public short endpointsReplicationFactor() {
        return getShort(ENDPOINTS_RF_CONFIG);
    }

    /** The connector's name (Connect's {@code name} key), used to key the endpoints. */
    public String connectorName() {
        Object n = originals().get("name");
        return n == null ? "sluice-sink" : n.toString();
    }

    /** The topics the connector consumes (Connect's {@code topics}), possibly empty when a regex is used. */
    public List<String> topics() {
        Object t = originals().get("topics");
        if (t == null || t.toString().isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : t.toString().split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Connect's {@code topics.regex}, if set. */
    public Optional<Pattern> topicsRegex() {
        Object r = originals().get("topics.regex");
        return r == null || r.toString().isBlank() ? Optional.empty() : Optional.of(Pattern.compile(r.toString().trim()));
    }

    public int taskIndex() {
        Object v = originals().get(TASK_INDEX_CONFIG);
        return v == null ? 0 : Integer.parseInt(v.toString());
    }

    public int taskCount() {
        Object v = originals().get(TASK_COUNT_CONFIG);
        return v == null ? 1 : Integer.parseInt(v.toString());
    }

    // ------------------------------------------------------------------ parsing helpers and validators

    static Path pathOrNull(String s) {
        return s == null || s.isBlank() ? null : Path.of(s.trim());
    }

    static Map<String, String> parseTokens(Password password) {
        Map<String, String> byToken = new LinkedHashMap<>();
        String v = password == null ? null : password.value();
        if (v == null || v.isBlank()) {
            return byToken;
        }
        for (String entry : v.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            byToken.put(entry.substring(colon + 1).trim(), entry.substring(0, colon).trim());
        }
        return byToken;
    }

    public static InetSocketAddress parseHostPort(String s) {
        String v = s.trim();
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' is not host:port");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' has no valid port (1-65535)");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("'" + s + "' has no valid port (1-65535)");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static ConfigDef.Validator caseInsensitive(String... values) {
        List<String> allowed = List.of(values);
        return ConfigDef.LambdaValidator.with((k, v) -> {
            if (v == null || !allowed.contains(v.toString().trim().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(k, v, "must be one of " + String.join(", ", allowed));
            }
        }, () -> String.join(", ", allowed));
    }

    static final class HostPortListValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            for (Object o : (List<?>) value) {
                try {
                    parseHostPort(o.toString());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }
        }

        @Override
        public String toString() {
            return "list of host:port";
        }
    }

    static final class TokenListValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String v = value == null ? null : ((Password) value).value();
            if (v == null || v.isBlank()) {
                return;
            }
            int i = 0;
            java.util.Set<String> tokens = new java.util.HashSet<>();
            for (String entry : v.split(",")) {
                i++;
                if (entry.isBlank()) {
                    continue;
                }
                int colon = entry.indexOf(':');
                if (colon <= 0 || colon == entry.length() - 1 || entry.substring(0, colon).isBlank()
                        || entry.substring(colon + 1).isBlank()) {
                    // never echo the value: it is a secret
                    throw new ConfigException(name + ": entry " + i + " is not principal:token");
                }
                if (!tokens.add(entry.substring(colon + 1).trim())) {
                    throw new ConfigException(name + ": entry " + i + " repeats a token of an earlier entry");
                }
            }
        }

        @Override
        public String toString() {
            return "list of principal:token";
        }
    }

    static final class AclValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return;
            }
            for (Object o : (List<?>) value) {
                String entry = o.toString();
                int colon = entry.indexOf(':');
                if (colon <= 0 || colon == entry.length() - 1) {
                    throw new ConfigException(name, value, "entry '" + entry + "' is not principal:topic-regex");
                }
                try {
                    Pattern.compile(entry.substring(colon + 1).trim());
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(name, value, "entry '" + entry + "' has an invalid regex: "
                            + e.getDescription());
                }
            }
        }

        @Override
        public String toString() {
            return "list of principal:topic-regex";
        }
    }

    static final class WebSocketPathValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String v = value == null ? "" : value.toString().trim();
            if (!v.isEmpty() && (!v.startsWith("/") || v.contains(" ") || v.contains("?"))) {
                throw new ConfigException(name, value, "must be empty or a path starting with '/' (no spaces, no query)");
            }
        }

        @Override
        public String toString() {
            return "empty, or a path starting with /";
        }
    }
}
