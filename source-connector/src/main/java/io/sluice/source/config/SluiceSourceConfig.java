package io.sluice.source.config;

import io.netty.handler.ssl.ClientAuth;
import io.sluice.protocol.NonFinitePolicy;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.tls.TlsSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Every setting of the Sluice source connector, typed. Connector and task both parse their
 * properties with it; {@link #crossCheck} holds the rules that involve several keys (run by
 * {@code SluiceSourceConnector.validate} so the REST validate endpoint shows them, and again here
 * so {@code start()} fails fast).
 */
public final class SluiceSourceConfig extends AbstractConfig {

    // ------------------------------------------------------------------ groups
    public static final String GROUP_LISTENER = "Listener";
    public static final String GROUP_SECURITY = "Security";
    public static final String GROUP_BUFFER = "Buffer";
    public static final String GROUP_FILTERS = "Filters and pre-aggregation";
    public static final String GROUP_RECORDS = "Records";
    public static final String GROUP_DELIVERY = "Poll and acknowledgements";
    public static final String GROUP_FILES = "Files";

    // ------------------------------------------------------------------ listener
    public static final String LISTEN_ADDRESS_CONFIG = "listen.address";
    private static final String LISTEN_ADDRESS_DOC = "Address the device listeners bind to on every worker. 0.0.0.0 means all interfaces.";
    public static final String LISTEN_ADDRESS_DEFAULT = "0.0.0.0";

    public static final String LISTEN_PORT_CONFIG = "listen.port";
    private static final String LISTEN_PORT_DOC = "TCP port of the framed (binary) protocol. Every task of the connector listens on it; "
            + "the tasks of one worker share it (see listen.transport). 0 picks a free port per task (tests only: devices cannot know it).";
    public static final int LISTEN_PORT_DEFAULT = 7000;

    public static final String LINE_LISTEN_PORT_CONFIG = "line.listen.port";
    private static final String LINE_LISTEN_PORT_DOC = "TCP port of line mode: newline-delimited JSON readings, no handshake and no acknowledgements "
            + "(at most once). -1 turns line mode off.";
    public static final int LINE_LISTEN_PORT_DEFAULT = -1;

    public static final String LISTEN_TRANSPORT_CONFIG = "listen.transport";
    private static final String LISTEN_TRANSPORT_DOC = "How the tasks of one worker share a port. 'epoll': each task binds the port itself with SO_REUSEPORT "
            + "and the kernel spreads new connections over them (Linux x86_64). 'shared': one listener per port and worker hands "
            + "connections to the tasks in turn. 'auto': epoll where available, else shared.";
    public static final String LISTEN_TRANSPORT_DEFAULT = "auto";

    public static final String LISTENER_THREADS_CONFIG = "listener.threads";
    private static final String LISTENER_THREADS_DOC = "Network threads per task (Netty event loops) that read device connections.";
    public static final int LISTENER_THREADS_DEFAULT = 1;

    public static final String CONNECTIONS_MAX_CONFIG = "connections.max";
    private static final String CONNECTIONS_MAX_DOC = "Most open device connections per task, both ports together. Further connections get "
            + "a TOO_MANY_CONNECTIONS error and are closed.";
    public static final int CONNECTIONS_MAX_DEFAULT = 10_000;

    public static final String CONNECTIONS_MAX_PER_ADDRESS_CONFIG = "connections.max.per.address";
    private static final String CONNECTIONS_MAX_PER_ADDRESS_DOC = "Most open connections per task from one remote IP address (a NAT or a "
            + "gateway may need more).";
    public static final int CONNECTIONS_MAX_PER_ADDRESS_DEFAULT = 1_000;

    public static final String IDLE_TIMEOUT_MS_CONFIG = "connection.idle.timeout.ms";
    private static final String IDLE_TIMEOUT_MS_DOC = "A connection that sends nothing (not even a ping) for this long gets an IDLE_TIMEOUT error and "
            + "is closed. Devices are told to ping at a third of it.";
    public static final long IDLE_TIMEOUT_MS_DEFAULT = 60_000L;

    public static final String FRAME_MAX_BYTES_CONFIG = "frame.max.bytes";
    private static final String FRAME_MAX_BYTES_DOC = "Largest frame accepted (type byte and payload). A larger frame is a fatal FRAME_TOO_LARGE error. "
            + "Devices learn it from HELLO_OK.";
    public static final int FRAME_MAX_BYTES_DEFAULT = ProtocolLimits.DEFAULT_MAX_FRAME_BYTES;

    public static final String FRAME_BATCH_MAX_READINGS_CONFIG = "frame.batch.max.readings";
    private static final String FRAME_BATCH_MAX_READINGS_DOC = "Most readings in one batch frame (fatal BATCH_TOO_LARGE beyond it). Devices learn it from HELLO_OK.";
    public static final int FRAME_BATCH_MAX_READINGS_DEFAULT = ProtocolLimits.DEFAULT_MAX_BATCH_READINGS;

    public static final String LINE_MAX_BYTES_CONFIG = "line.max.bytes";
    private static final String LINE_MAX_BYTES_DOC = "Longest line accepted in line mode, without the newline (fatal LINE_TOO_LONG beyond it).";
    public static final int LINE_MAX_BYTES_DEFAULT = ProtocolLimits.DEFAULT_MAX_LINE_BYTES;

    // ------------------------------------------------------------------ security
    public static final String TLS_ENABLED_CONFIG = "tls.enabled";
    private static final String TLS_ENABLED_DOC = "Require TLS on both ports. A plaintext client gets an unencrypted NOT_THIS_PROTOCOL error and is closed.";

    public static final String TLS_CERT_CHAIN_CONFIG = "tls.certificate.chain.path";
    private static final String TLS_CERT_CHAIN_DOC = "PEM certificate chain of the listener (with tls.private.key.path), instead of a key store.";

    public static final String TLS_PRIVATE_KEY_CONFIG = "tls.private.key.path";
    private static final String TLS_PRIVATE_KEY_DOC = "PEM (PKCS#8) private key of the listener.";

    public static final String TLS_KEY_PASSWORD_CONFIG = "tls.key.password";
    private static final String TLS_KEY_PASSWORD_DOC = "Password of the PEM private key or of the key store, if any.";

    public static final String TLS_KEYSTORE_CONFIG = "tls.keystore.path";
    private static final String TLS_KEYSTORE_DOC = "PKCS12 or JKS key store with the listener's key and certificate, instead of PEM files.";

    public static final String TLS_KEYSTORE_TYPE_CONFIG = "tls.keystore.type";
    private static final String TLS_KEYSTORE_TYPE_DOC = "Type of the key and trust stores.";

    public static final String TLS_TRUSTED_CERTS_CONFIG = "tls.trusted.certificates.path";
    private static final String TLS_TRUSTED_CERTS_DOC = "PEM certificates (the CA) that client certificates must chain to, for mTLS.";

    public static final String TLS_TRUSTSTORE_CONFIG = "tls.truststore.path";
    private static final String TLS_TRUSTSTORE_DOC = "Trust store for client certificates, instead of tls.trusted.certificates.path.";

    public static final String TLS_TRUSTSTORE_PASSWORD_CONFIG = "tls.truststore.password";
    private static final String TLS_TRUSTSTORE_PASSWORD_DOC = "Password of the trust store.";

    public static final String TLS_CLIENT_AUTH_CONFIG = "tls.client.auth";
    private static final String TLS_CLIENT_AUTH_DOC = "Whether devices present certificates: 'none', 'optional' (checked if sent) or 'required'.";

    public static final String TLS_DEVICE_ID_FROM_CERT_CONFIG = "tls.device.id.from.certificate";
    private static final String TLS_DEVICE_ID_FROM_CERT_DOC = "When a device presents a certificate, its device id must be the certificate's CN or one of its "
            + "DNS/URI SANs; any other id is refused with NOT_ALLOWED. In line mode it applies to every line's device.";

    public static final String AUTH_TOKENS_CONFIG = "auth.tokens";
    private static final String AUTH_TOKENS_DOC = "Per-device secrets as comma-separated DEVICE=TOKEN pairs; '*=TOKEN' applies to every device not listed. "
            + "When set, a device whose HELLO carries another token (or that is not listed and there is no '*') is refused with "
            + "AUTH_FAILED. Works with config providers, e.g. ${file:/etc/sluice/tokens.properties:tokens}. Empty: no tokens.";

    public static final String DEVICE_ID_PATTERN_CONFIG = "device.id.pattern";
    private static final String DEVICE_ID_PATTERN_DOC = "Regular expression a device id must match in full; others are refused with NOT_ALLOWED.";
    public static final String DEVICE_ID_PATTERN_DEFAULT = ".*";

    // ------------------------------------------------------------------ buffer
    public static final String BUFFER_MAX_RECORDS_CONFIG = "buffer.max.records";
    private static final String BUFFER_MAX_RECORDS_DOC = "Capacity of each task's buffer in readings (an open aggregate counts as one).";
    public static final int BUFFER_MAX_RECORDS_DEFAULT = 100_000;

    public static final String BUFFER_MAX_BYTES_CONFIG = "buffer.max.bytes";
    private static final String BUFFER_MAX_BYTES_DOC = "Capacity of each task's buffer in bytes (the readings' encoded size).";
    public static final long BUFFER_MAX_BYTES_DEFAULT = 64L << 20;

    public static final String BUFFER_LOW_WATERMARK_CONFIG = "buffer.low.watermark";
    private static final String BUFFER_LOW_WATERMARK_DOC = "Share of both capacities below which paused connections are read again. Above it the buffer "
            + "is under pressure and fair shares apply.";
    public static final double BUFFER_LOW_WATERMARK_DEFAULT = 0.5;

    public static final String BUFFER_FAIR_SHARE_CONFIG = "buffer.fair.share";
    private static final String BUFFER_FAIR_SHARE_DOC = "Under pressure, a device that holds more than capacity / devices-in-buffer cannot add more "
            + "(its overflow policy applies), so one chatty device cannot starve the others.";

    public static final String OVERFLOW_POLICY_CONFIG = "overflow.policy";
    private static final String OVERFLOW_POLICY_DOC = "What happens to a reading that does not fit: 'block' stops reading that connection "
            + "until the buffer is below its low watermark (the device's TCP window closes, nothing is lost); 'drop_oldest' drops the "
            + "device's oldest buffered reading; 'drop_newest' drops the incoming one. Drops are counted per device and reason and "
            + "acknowledged (the device does not resend them).";
    public static final String OVERFLOW_POLICY_DEFAULT = "block";

    public static final String OVERFLOW_POLICY_OVERRIDES_CONFIG = "overflow.policy.overrides";
    private static final String OVERFLOW_POLICY_OVERRIDES_DOC = "Per-device policies as 'device:REGEX=POLICY' rules, first match wins, "
            + "e.g. 'device:camera-.*=drop_oldest'.";

    public static final String GAP_RECORDS_CONFIG = "gap.records.enabled";
    private static final String GAP_RECORDS_DOC = "Write a gap record (kind=gap, first_seq, last_seq, count, reason) for readings dropped by an "
            + "overflow policy, so downstream can tell a lossy device from a quiet one.";

    // ------------------------------------------------------------------ filters / aggregation
    public static final String FILTER_METRICS_INCLUDE_CONFIG = "filter.metrics.include";
    private static final String FILTER_METRICS_INCLUDE_DOC = "Regular expressions; when set, only metrics matching one of them are kept.";

    public static final String FILTER_METRICS_EXCLUDE_CONFIG = "filter.metrics.exclude";
    private static final String FILTER_METRICS_EXCLUDE_DOC = "Regular expressions of metrics to leave out.";

    public static final String FILTER_VALUE_MIN_CONFIG = "filter.value.min";
    private static final String FILTER_VALUE_MIN_DOC = "Readings below this value are left out. Empty: no lower bound.";

    public static final String FILTER_VALUE_MAX_CONFIG = "filter.value.max";
    private static final String FILTER_VALUE_MAX_DOC = "Readings above this value are left out. Empty: no upper bound.";

    public static final String FILTER_TAGS_CONFIG = "filter.tags";
    private static final String FILTER_TAGS_DOC = "TAG=REGEX pairs that a reading's tags must all match to be kept.";

    public static final String AGGREGATE_INTERVAL_MS_CONFIG = "aggregate.interval.ms";
    private static final String AGGREGATE_INTERVAL_MS_DOC = "Pre-aggregate each device's readings per metric over intervals of this length (by arrival "
            + "time, aligned to the epoch) and write one record per interval instead. 0 turns it off.";

    public static final String AGGREGATE_FUNCTION_CONFIG = "aggregate.function";
    private static final String AGGREGATE_FUNCTION_DOC = "Value of an aggregated record; count, sum, min, max, last and avg also travel as tags "
            + "(agg_count, agg_sum, agg_min, agg_max, agg_last, agg_first_seq).";
    public static final String AGGREGATE_FUNCTION_DEFAULT = "avg";

    public static final String AGGREGATE_METRICS_CONFIG = "aggregate.metrics";
    private static final String AGGREGATE_METRICS_DOC = "Regular expressions of the metrics to pre-aggregate; empty means all.";

    // ------------------------------------------------------------------ records
    public static final String TOPIC_CONFIG = "topic";
    private static final String TOPIC_DOC = "Topic the readings (and gap records) go to, unless a route matches.";

    public static final String TOPIC_ROUTES_CONFIG = "topic.routes";
    private static final String TOPIC_ROUTES_DOC = "Routing rules 'metric:REGEX=TOPIC' or 'device:REGEX=TOPIC', first match wins.";

    public static final String TIMESTAMP_POLICY_CONFIG = "timestamp.skew.policy";
    private static final String TIMESTAMP_POLICY_DOC = "For event times further ahead than timestamp.future.max.ms or behind than timestamp.past.max.ms: "
            + "'clamp' to the bound, 'reject' with a non-fatal BAD_TIMESTAMP error, or use the 'arrival' time. When changed, the "
            + "original goes in the reading's original_ts tag. Brokers reject records more than 1 h ahead by default.";
    public static final String TIMESTAMP_POLICY_DEFAULT = "clamp";

    public static final String TIMESTAMP_FUTURE_MAX_MS_CONFIG = "timestamp.future.max.ms";
    private static final String TIMESTAMP_FUTURE_MAX_MS_DOC = "How far ahead of the worker's clock an event time may be.";
    public static final long TIMESTAMP_FUTURE_MAX_MS_DEFAULT = 10 * 60_000L;

    public static final String TIMESTAMP_PAST_MAX_MS_CONFIG = "timestamp.past.max.ms";
    private static final String TIMESTAMP_PAST_MAX_MS_DOC = "How far behind the worker's clock an event time may be (time-based retention "
            + "deletes older records at once).";
    public static final long TIMESTAMP_PAST_MAX_MS_DEFAULT = 7 * 24 * 3_600_000L;

    public static final String NON_FINITE_CONFIG = "non.finite.values";
    private static final String NON_FINITE_DOC = "NaN and infinite values: 'reject' (non-fatal BAD_VALUE) or 'accept'.";
    public static final String NON_FINITE_DEFAULT = "reject";

    public static final String RECORD_VALUE_FORMAT_CONFIG = "record.value.format";
    private static final String RECORD_VALUE_FORMAT_DOC = "A reading's record value: 'struct', a Connect Struct that the value converter "
            + "writes (with JsonConverter and schemas off: the readings' JSON), or 'json', the reading's JSON bytes as they go on the "
            + "readings topic, schema-less, for value.converter=org.apache.kafka.connect.converters.ByteArrayConverter (no Struct and "
            + "no converter work per reading: several times cheaper). Both give the same JSON on the topic. Gap records follow the same "
            + "format.";
    public static final String RECORD_VALUE_FORMAT_DEFAULT = "struct";

    public static final String RECORD_HEADERS_ENABLED_CONFIG = "record.headers.enabled";
    private static final String RECORD_HEADERS_ENABLED_DOC = "Add the headers sluice.seq (the device's sequence number) and "
            + "sluice.connection (the device connection) to every reading's record. Nothing in Sluice reads them; turning them off "
            + "saves their conversion per record.";
    public static final boolean RECORD_HEADERS_ENABLED_DEFAULT = true;

    // ------------------------------------------------------------------ delivery
    public static final String POLL_BATCH_MAX_RECORDS_CONFIG = "poll.batch.max.records";
    private static final String POLL_BATCH_MAX_RECORDS_DOC = "Most records one poll() hands to Connect.";
    public static final int POLL_BATCH_MAX_RECORDS_DEFAULT = 2_000;

    public static final String POLL_TIMEOUT_MS_CONFIG = "poll.timeout.ms";
    private static final String POLL_TIMEOUT_MS_DOC = "Longest time poll() waits for readings before returning nothing (kept well under Connect's "
            + "shutdown grace period).";
    public static final long POLL_TIMEOUT_MS_DEFAULT = 500L;

    public static final String ACK_MODE_CONFIG = "ack.mode";
    private static final String ACK_MODE_DOC = "'commit': acknowledge a reading once Kafka has its record (cumulative over the device's "
            + "contiguous seqs; nothing acknowledged is lost; exactly-once with Connect's exactly.once.source.support). "
            + "'receive': acknowledge when the buffer takes it (lower latency; a worker crash loses what was buffered).";
    public static final String ACK_MODE_DEFAULT = "commit";

    public static final String RESUME_LOOKUP_TIMEOUT_MS_CONFIG = "resume.lookup.timeout.ms";
    private static final String RESUME_LOOKUP_TIMEOUT_MS_DOC = "How long a HELLO may wait for the device's committed seq from Connect's offset store "
            + "before the connection is refused (INTERNAL, the device retries).";
    public static final long RESUME_LOOKUP_TIMEOUT_MS_DEFAULT = 30_000L;

    // ------------------------------------------------------------------ files
    public static final String FILES_TOPIC_CONFIG = "files.topic";
    private static final String FILES_TOPIC_DOC = "Topic the chunks of files sent by devices go to, one record per chunk (key: the file id; "
            + "value: the files-topic record of docs/file-transfer.md, written with the connector's value converter: use JsonConverter). "
            + "Empty turns file transfer off: file frames are answered with a non-fatal FILE_UNKNOWN error.";

    public static final String FILES_MAX_BYTES_CONFIG = "files.max.bytes";
    private static final String FILES_MAX_BYTES_DOC = "Largest file a device may send. A larger one is refused at FILE_INIT with a non-fatal FILE_TOO_LARGE error.";
    public static final long FILES_MAX_BYTES_DEFAULT = 1L << 30;

    public static final String FILES_CHUNK_MAX_BYTES_CONFIG = "files.chunk.max.bytes";
    private static final String FILES_CHUNK_MAX_BYTES_DOC = "Largest chunk size a device may announce. One chunk is one record: its base64 text plus "
            + "4096 bytes of metadata must fit files.kafka.max.message.bytes (and producer.override.max.request.size when set), and a "
            + "FILE_CHUNK frame of it must fit frame.max.bytes. A larger chunk size is refused with CHUNK_OUT_OF_RANGE.";
    public static final int FILES_CHUNK_MAX_BYTES_DEFAULT = 512 << 10;

    public static final String FILES_CHUNK_MIN_BYTES_CONFIG = "files.chunk.min.bytes";
    private static final String FILES_CHUNK_MIN_BYTES_DOC = "Smallest chunk size a device may announce (tiny chunks make one record per few bytes). "
            + "A file smaller than it is one chunk whatever the size announced.";
    public static final int FILES_CHUNK_MIN_BYTES_DEFAULT = 1024;

    public static final String FILES_KAFKA_MAX_MESSAGE_BYTES_CONFIG = "files.kafka.max.message.bytes";
    private static final String FILES_KAFKA_MAX_MESSAGE_BYTES_DOC = "The largest record the files topic takes: its max.message.bytes (the broker's "
            + "message.max.bytes, 1048588 by default) or the worker producer's max.request.size (1048576 by default), whichever is "
            + "smaller. Only used to check files.chunk.max.bytes against it; Kafka does not tell a connector.";
    public static final int FILES_KAFKA_MAX_MESSAGE_BYTES_DEFAULT = 1_048_576;

    public static final String FILES_BUFFER_MAX_BYTES_CONFIG = "files.buffer.max.bytes";
    private static final String FILES_BUFFER_MAX_BYTES_DOC = "Bytes of chunks a task holds for poll() (beyond them Connect's producer buffer bounds "
            + "what is in flight). When full, the connections sending chunks are not read until it is half empty.";
    public static final long FILES_BUFFER_MAX_BYTES_DEFAULT = 32L << 20;

    public static final String FILES_BUFFER_MAX_CHUNKS_CONFIG = "files.buffer.max.chunks";
    private static final String FILES_BUFFER_MAX_CHUNKS_DOC = "Chunks a task holds for poll(), whatever their size.";
    public static final int FILES_BUFFER_MAX_CHUNKS_DEFAULT = 512;

    public static final String FILES_TRANSFERS_MAX_CONFIG = "files.transfers.max";
    private static final String FILES_TRANSFERS_MAX_DOC = "Transfers a task keeps in memory at once (about 300 bytes each). Idle ones are "
            + "forgotten first (their progress is in Connect's source offsets); beyond it a FILE_INIT gets a non-fatal FILE_UNKNOWN error.";
    public static final int FILES_TRANSFERS_MAX_DEFAULT = 10_000;

    public static final String FILES_TRANSFER_IDLE_MS_CONFIG = "files.transfer.idle.ms";
    private static final String FILES_TRANSFER_IDLE_MS_DOC = "A transfer nothing happened to for this long is forgotten by the task (not by Kafka: "
            + "a device that comes back resumes from the source offsets).";
    public static final long FILES_TRANSFER_IDLE_MS_DEFAULT = 10 * 60_000L;

    /** The producer setting a connector may override, read by the cross-field check on chunk sizes. */
    public static final String PRODUCER_MAX_REQUEST_SIZE_OVERRIDE = "producer.override.max.request.size";

    private static final ConfigDef CONFIG_DEF = configDef();

    private final Map<String, Token> tokens;
    private final List<PatternRule> overflowOverrides;
    private final List<PatternRule> routes;

    public SluiceSourceConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props);
        List<Problem> problems = crossCheck(this);
        if (!problems.isEmpty()) {
            Problem p = problems.get(0);
            throw new ConfigException(p.key() + ": " + p.message());
        }
        this.tokens = parseTokens(getPassword(AUTH_TOKENS_CONFIG));
        this.overflowOverrides = PatternRule.parseAll(OVERFLOW_POLICY_OVERRIDES_CONFIG, getList(OVERFLOW_POLICY_OVERRIDES_CONFIG),
                List.of(PatternRule.Subject.DEVICE));
        this.routes = PatternRule.parseAll(TOPIC_ROUTES_CONFIG, getList(TOPIC_ROUTES_CONFIG),
                List.of(PatternRule.Subject.DEVICE, PatternRule.Subject.METRIC));
    }

    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        addListenerGroup(def);
        addSecurityGroup(def);
        addBufferGroup(def);
        addFilterGroup(def);
        addRecordsGroup(def);
        addDeliveryGroup(def);
        addFilesGroup(def);
        return def;
    }

    private static void addListenerGroup(ConfigDef def) {
        int o = 0;
        def.define(LISTEN_ADDRESS_CONFIG, Type.STRING, LISTEN_ADDRESS_DEFAULT, new ConfigDef.NonEmptyString(), Importance.HIGH,
                LISTEN_ADDRESS_DOC, GROUP_LISTENER, ++o, Width.MEDIUM, "Listen address");
        def.define(LISTEN_PORT_CONFIG, Type.INT, LISTEN_PORT_DEFAULT, ConfigDef.Range.between(0, 65_535), Importance.HIGH,
                LISTEN_PORT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Framed protocol port");
        def.define(LINE_LISTEN_PORT_CONFIG, Type.INT, LINE_LISTEN_PORT_DEFAULT, ConfigDef.Range.between(-1, 65_535), Importance.MEDIUM,
                LINE_LISTEN_PORT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Line mode port");
        def.define(LISTEN_TRANSPORT_CONFIG, Type.STRING, LISTEN_TRANSPORT_DEFAULT, enumValidator(ListenerTransport.values()),
                Importance.LOW, LISTEN_TRANSPORT_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Port sharing");
        def.define(LISTENER_THREADS_CONFIG, Type.INT, LISTENER_THREADS_DEFAULT, ConfigDef.Range.between(1, 64), Importance.LOW,
                LISTENER_THREADS_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Network threads");
        def.define(CONNECTIONS_MAX_CONFIG, Type.INT, CONNECTIONS_MAX_DEFAULT, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                CONNECTIONS_MAX_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max connections");
        def.define(CONNECTIONS_MAX_PER_ADDRESS_CONFIG, Type.INT, CONNECTIONS_MAX_PER_ADDRESS_DEFAULT, ConfigDef.Range.atLeast(1),
                Importance.LOW, CONNECTIONS_MAX_PER_ADDRESS_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max connections per address");
        def.define(IDLE_TIMEOUT_MS_CONFIG, Type.LONG, IDLE_TIMEOUT_MS_DEFAULT, ConfigDef.Range.between(1_000L, 24 * 3_600_000L),
                Importance.LOW, IDLE_TIMEOUT_MS_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Idle timeout (ms)");
        def.define(FRAME_MAX_BYTES_CONFIG, Type.INT, FRAME_MAX_BYTES_DEFAULT,
                ConfigDef.Range.between(ProtocolLimits.MIN_FRAME_BYTES, ProtocolLimits.HARD_MAX_FRAME_BYTES), Importance.MEDIUM,
                FRAME_MAX_BYTES_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max frame bytes");
        def.define(FRAME_BATCH_MAX_READINGS_CONFIG, Type.INT, FRAME_BATCH_MAX_READINGS_DEFAULT, ConfigDef.Range.between(1, 65_535),
                Importance.LOW, FRAME_BATCH_MAX_READINGS_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max readings per batch frame");
        def.define(LINE_MAX_BYTES_CONFIG, Type.INT, LINE_MAX_BYTES_DEFAULT, ConfigDef.Range.between(64, ProtocolLimits.HARD_MAX_FRAME_BYTES),
                Importance.LOW, LINE_MAX_BYTES_DOC, GROUP_LISTENER, ++o, Width.SHORT, "Max line bytes");
    }

    private static void addSecurityGroup(ConfigDef def) {
        int o = 0;
        def.define(TLS_ENABLED_CONFIG, Type.BOOLEAN, false, Importance.HIGH, TLS_ENABLED_DOC, GROUP_SECURITY, ++o, Width.SHORT, "TLS");
        def.define(TLS_CERT_CHAIN_CONFIG, Type.STRING, "", Importance.HIGH, TLS_CERT_CHAIN_DOC, GROUP_SECURITY, ++o, Width.LONG,
                "Certificate chain (PEM)");
        def.define(TLS_PRIVATE_KEY_CONFIG, Type.STRING, "", Importance.HIGH, TLS_PRIVATE_KEY_DOC, GROUP_SECURITY, ++o, Width.LONG,
                "Private key (PEM)");
        def.define(TLS_KEY_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.MEDIUM, TLS_KEY_PASSWORD_DOC, GROUP_SECURITY, ++o,
                Width.MEDIUM, "Key password");
        def.define(TLS_KEYSTORE_CONFIG, Type.STRING, "", Importance.HIGH, TLS_KEYSTORE_DOC, GROUP_SECURITY, ++o, Width.LONG, "Key store");
        def.define(TLS_KEYSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"), Importance.LOW,
                TLS_KEYSTORE_TYPE_DOC, GROUP_SECURITY, ++o, Width.SHORT, "Store type");
        def.define(TLS_TRUSTED_CERTS_CONFIG, Type.STRING, "", Importance.MEDIUM, TLS_TRUSTED_CERTS_DOC, GROUP_SECURITY, ++o,
                Width.LONG, "Trusted certificates (PEM)");
        def.define(TLS_TRUSTSTORE_CONFIG, Type.STRING, "", Importance.MEDIUM, TLS_TRUSTSTORE_DOC, GROUP_SECURITY, ++o, Width.LONG,
                "Trust store");
        def.define(TLS_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.LOW, TLS_TRUSTSTORE_PASSWORD_DOC, GROUP_SECURITY,
                ++o, Width.MEDIUM, "Trust store password");
        def.define(TLS_CLIENT_AUTH_CONFIG, Type.STRING, "none", ConfigDef.ValidString.in("none", "optional", "required"),
                Importance.MEDIUM, TLS_CLIENT_AUTH_DOC, GROUP_SECURITY, ++o, Width.SHORT, "Client certificates");
        def.define(TLS_DEVICE_ID_FROM_CERT_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, TLS_DEVICE_ID_FROM_CERT_DOC, GROUP_SECURITY,
                ++o, Width.SHORT, "Device id from certificate");
        def.define(AUTH_TOKENS_CONFIG, Type.PASSWORD, "", Importance.HIGH, AUTH_TOKENS_DOC, GROUP_SECURITY, ++o, Width.LONG,
                "Device tokens");
        def.define(DEVICE_ID_PATTERN_CONFIG, Type.STRING, DEVICE_ID_PATTERN_DEFAULT, regexValidator(), Importance.LOW,
                DEVICE_ID_PATTERN_DOC, GROUP_SECURITY, ++o, Width.MEDIUM, "Allowed device ids");
    }

    private static void addBufferGroup(ConfigDef def) {
        int o = 0;
        def.define(BUFFER_MAX_RECORDS_CONFIG, Type.INT, BUFFER_MAX_RECORDS_DEFAULT, ConfigDef.Range.between(2, 10_000_000),
                Importance.HIGH, BUFFER_MAX_RECORDS_DOC, GROUP_BUFFER, ++o, Width.SHORT, "Buffer capacity (readings)");
        def.define(BUFFER_MAX_BYTES_CONFIG, Type.LONG, BUFFER_MAX_BYTES_DEFAULT, ConfigDef.Range.between(4_096L, 16L << 30),
                Importance.HIGH, BUFFER_MAX_BYTES_DOC, GROUP_BUFFER, ++o, Width.SHORT, "Buffer capacity (bytes)");
        def.define(BUFFER_LOW_WATERMARK_CONFIG, Type.DOUBLE, BUFFER_LOW_WATERMARK_DEFAULT, ConfigDef.Range.between(0.01, 0.99),
                Importance.MEDIUM, BUFFER_LOW_WATERMARK_DOC, GROUP_BUFFER, ++o, Width.SHORT, "Low watermark");
        def.define(BUFFER_FAIR_SHARE_CONFIG, Type.BOOLEAN, true, Importance.LOW, BUFFER_FAIR_SHARE_DOC, GROUP_BUFFER, ++o,
                Width.SHORT, "Fair shares");
        def.define(OVERFLOW_POLICY_CONFIG, Type.STRING, OVERFLOW_POLICY_DEFAULT, enumValidator(OverflowPolicy.values()),
                Importance.HIGH, OVERFLOW_POLICY_DOC, GROUP_BUFFER, ++o, Width.SHORT, "Overflow policy");
        def.define(OVERFLOW_POLICY_OVERRIDES_CONFIG, Type.LIST, "", Importance.LOW, OVERFLOW_POLICY_OVERRIDES_DOC, GROUP_BUFFER,
                ++o, Width.LONG, "Per-device overflow policies");
        def.define(GAP_RECORDS_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, GAP_RECORDS_DOC, GROUP_BUFFER, ++o, Width.SHORT,
                "Gap records");
    }

    private static void addFilterGroup(ConfigDef def) {
        int o = 0;
        def.define(FILTER_METRICS_INCLUDE_CONFIG, Type.LIST, "", regexListValidator(), Importance.LOW, FILTER_METRICS_INCLUDE_DOC,
                GROUP_FILTERS, ++o, Width.LONG, "Metrics to keep");
        def.define(FILTER_METRICS_EXCLUDE_CONFIG, Type.LIST, "", regexListValidator(), Importance.LOW, FILTER_METRICS_EXCLUDE_DOC,
                GROUP_FILTERS, ++o, Width.LONG, "Metrics to leave out");
        def.define(FILTER_VALUE_MIN_CONFIG, Type.STRING, "", doubleOrEmpty(), Importance.LOW, FILTER_VALUE_MIN_DOC, GROUP_FILTERS, ++o,
                Width.SHORT, "Lowest value kept");
        def.define(FILTER_VALUE_MAX_CONFIG, Type.STRING, "", doubleOrEmpty(), Importance.LOW, FILTER_VALUE_MAX_DOC, GROUP_FILTERS, ++o,
                Width.SHORT, "Highest value kept");
        def.define(FILTER_TAGS_CONFIG, Type.LIST, "", tagRulesValidator(), Importance.LOW, FILTER_TAGS_DOC, GROUP_FILTERS, ++o,
                Width.LONG, "Tags to match");
        def.define(AGGREGATE_INTERVAL_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.between(0L, 24 * 3_600_000L), Importance.MEDIUM,
                AGGREGATE_INTERVAL_MS_DOC, GROUP_FILTERS, ++o, Width.SHORT, "Pre-aggregation interval (ms)");
        def.define(AGGREGATE_FUNCTION_CONFIG, Type.STRING, AGGREGATE_FUNCTION_DEFAULT, enumValidator(AggregateFunction.values()),
                Importance.LOW, AGGREGATE_FUNCTION_DOC, GROUP_FILTERS, ++o, Width.SHORT, "Pre-aggregation value");
        def.define(AGGREGATE_METRICS_CONFIG, Type.LIST, "", regexListValidator(), Importance.LOW, AGGREGATE_METRICS_DOC,
                GROUP_FILTERS, ++o, Width.LONG, "Metrics to pre-aggregate");
    }

    private static void addRecordsGroup(ConfigDef def) {
        int o = 0;
        def.define(TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH, TOPIC_DOC,
                GROUP_RECORDS, ++o, Width.MEDIUM, "Topic");
        def.define(TOPIC_ROUTES_CONFIG, Type.LIST, "", Importance.LOW, TOPIC_ROUTES_DOC, GROUP_RECORDS, ++o, Width.LONG, "Topic routes");
        def.define(TIMESTAMP_POLICY_CONFIG, Type.STRING, TIMESTAMP_POLICY_DEFAULT, enumValidator(TimestampPolicy.values()),
                Importance.MEDIUM, TIMESTAMP_POLICY_DOC, GROUP_RECORDS, ++o, Width.SHORT, "Clock skew policy");
        def.define(TIMESTAMP_FUTURE_MAX_MS_CONFIG, Type.LONG, TIMESTAMP_FUTURE_MAX_MS_DEFAULT, ConfigDef.Range.atLeast(0L),
                Importance.LOW, TIMESTAMP_FUTURE_MAX_MS_DOC, GROUP_RECORDS, ++o, Width.SHORT, "Max future skew (ms)");
        def.define(TIMESTAMP_PAST_MAX_MS_CONFIG, Type.LONG, TIMESTAMP_PAST_MAX_MS_DEFAULT, ConfigDef.Range.atLeast(0L),
                Importance.LOW, TIMESTAMP_PAST_MAX_MS_DOC, GROUP_RECORDS, ++o, Width.SHORT, "Max past skew (ms)");
        def.define(NON_FINITE_CONFIG, Type.STRING, NON_FINITE_DEFAULT, ConfigDef.ValidString.in("reject", "accept"), Importance.LOW,
                NON_FINITE_DOC, GROUP_RECORDS, ++o, Width.SHORT, "NaN and infinity");
        def.define(RECORD_VALUE_FORMAT_CONFIG, Type.STRING, RECORD_VALUE_FORMAT_DEFAULT, enumValidator(RecordValueFormat.values()),
                Importance.MEDIUM, RECORD_VALUE_FORMAT_DOC, GROUP_RECORDS, ++o, Width.SHORT, "Record value format");
        def.define(RECORD_HEADERS_ENABLED_CONFIG, Type.BOOLEAN, RECORD_HEADERS_ENABLED_DEFAULT, Importance.LOW,
                RECORD_HEADERS_ENABLED_DOC, GROUP_RECORDS, ++o, Width.SHORT, "Record headers");
    }

    private static void addDeliveryGroup(ConfigDef def) {
        int o = 0;
        def.define(POLL_BATCH_MAX_RECORDS_CONFIG, Type.INT, POLL_BATCH_MAX_RECORDS_DEFAULT, ConfigDef.Range.between(1, 100_000),
                Importance.MEDIUM, POLL_BATCH_MAX_RECORDS_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Poll batch");
        def.define(POLL_TIMEOUT_MS_CONFIG, Type.LONG, POLL_TIMEOUT_MS_DEFAULT, ConfigDef.Range.between(1L, 4_000L), Importance.LOW,
                POLL_TIMEOUT_MS_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Poll timeout (ms)");
        def.define(ACK_MODE_CONFIG, Type.STRING, ACK_MODE_DEFAULT, enumValidator(AckMode.values()), Importance.HIGH, ACK_MODE_DOC,
                GROUP_DELIVERY, ++o, Width.SHORT, "Acknowledge when");
        def.define(RESUME_LOOKUP_TIMEOUT_MS_CONFIG, Type.LONG, RESUME_LOOKUP_TIMEOUT_MS_DEFAULT, ConfigDef.Range.between(100L, 600_000L),
                Importance.LOW, RESUME_LOOKUP_TIMEOUT_MS_DOC, GROUP_DELIVERY, ++o, Width.SHORT, "Resume lookup timeout (ms)");
    }

    private static void addFilesGroup(ConfigDef def) {
        int o = 0;
        def.define(FILES_TOPIC_CONFIG, Type.STRING, "", topicOrEmpty(), Importance.HIGH, FILES_TOPIC_DOC, GROUP_FILES, ++o,
                Width.MEDIUM, "Files topic");
        def.define(FILES_MAX_BYTES_CONFIG, Type.LONG, FILES_MAX_BYTES_DEFAULT, ConfigDef.Range.between(0L, 1L << 50),
                Importance.MEDIUM, FILES_MAX_BYTES_DOC, GROUP_FILES, ++o, Width.SHORT, "Largest file (bytes)");
        def.define(FILES_CHUNK_MAX_BYTES_CONFIG, Type.INT, FILES_CHUNK_MAX_BYTES_DEFAULT,
                ConfigDef.Range.between(1024, ProtocolLimits.HARD_MAX_FRAME_BYTES), Importance.MEDIUM, FILES_CHUNK_MAX_BYTES_DOC,
                GROUP_FILES, ++o, Width.SHORT, "Largest chunk (bytes)");
        def.define(FILES_CHUNK_MIN_BYTES_CONFIG, Type.INT, FILES_CHUNK_MIN_BYTES_DEFAULT,
                ConfigDef.Range.between(1, ProtocolLimits.HARD_MAX_FRAME_BYTES), Importance.LOW, FILES_CHUNK_MIN_BYTES_DOC, GROUP_FILES,
                ++o, Width.SHORT, "Smallest chunk (bytes)");
        def.define(FILES_KAFKA_MAX_MESSAGE_BYTES_CONFIG, Type.INT, FILES_KAFKA_MAX_MESSAGE_BYTES_DEFAULT,
                ConfigDef.Range.between(16 * 1024, Integer.MAX_VALUE), Importance.LOW, FILES_KAFKA_MAX_MESSAGE_BYTES_DOC, GROUP_FILES,
                ++o, Width.SHORT, "Kafka's record limit (bytes)");
        def.define(FILES_BUFFER_MAX_BYTES_CONFIG, Type.LONG, FILES_BUFFER_MAX_BYTES_DEFAULT, ConfigDef.Range.between(1024L, 16L << 30),
                Importance.LOW, FILES_BUFFER_MAX_BYTES_DOC, GROUP_FILES, ++o, Width.SHORT, "Chunk buffer (bytes)");
        def.define(FILES_BUFFER_MAX_CHUNKS_CONFIG, Type.INT, FILES_BUFFER_MAX_CHUNKS_DEFAULT, ConfigDef.Range.between(2, 1_000_000),
                Importance.LOW, FILES_BUFFER_MAX_CHUNKS_DOC, GROUP_FILES, ++o, Width.SHORT, "Chunk buffer (chunks)");
        def.define(FILES_TRANSFERS_MAX_CONFIG, Type.INT, FILES_TRANSFERS_MAX_DEFAULT, ConfigDef.Range.between(1, 10_000_000),
                Importance.LOW, FILES_TRANSFERS_MAX_DOC, GROUP_FILES, ++o, Width.SHORT, "Transfers in memory");
        def.define(FILES_TRANSFER_IDLE_MS_CONFIG, Type.LONG, FILES_TRANSFER_IDLE_MS_DEFAULT,
                ConfigDef.Range.between(1_000L, 7 * 24 * 3_600_000L), Importance.LOW, FILES_TRANSFER_IDLE_MS_DOC, GROUP_FILES, ++o,
                Width.SHORT, "Transfer idle time (ms)");
    }

    // ------------------------------------------------------------------ validators

    private static ConfigDef.Validator topicOrEmpty() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String s = value == null ? "" : value.toString();
                if (!s.isEmpty() && !s.matches("[a-zA-Z0-9._-]{1,249}")) {
                    throw new ConfigException(name, value, "not a valid topic name");
                }
            }

            @Override
            public String toString() {
                return "a topic name, or empty";
            }
        };
    }

    private static ConfigDef.Validator enumValidator(Enum<?>[] values) {
        String[] names = Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
        return ConfigDef.CaseInsensitiveValidString.in(names);
    }

    private static ConfigDef.Validator regexValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                compile(name, String.valueOf(value));
            }

            @Override
            public String toString() {
                return "a Java regular expression";
            }
        };
    }

    private static ConfigDef.Validator regexListValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value instanceof List<?> list) {
                    for (Object o : list) {
                        compile(name, String.valueOf(o));
                    }
                }
            }

            @Override
            public String toString() {
                return "comma-separated Java regular expressions";
            }
        };
    }

    private static ConfigDef.Validator tagRulesValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value instanceof List<?> list) {
                    parseTagRules(name, list.stream().map(String::valueOf).toList());
                }
            }

            @Override
            public String toString() {
                return "comma-separated TAG=REGEX pairs";
            }
        };
    }

    private static ConfigDef.Validator doubleOrEmpty() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String s = value == null ? "" : value.toString().trim();
                if (s.isEmpty()) {
                    return;
                }
                try {
                    double d = Double.parseDouble(s);
                    if (Double.isNaN(d)) {
                        throw new ConfigException(name, value, "must be a number, not NaN");
                    }
                } catch (NumberFormatException e) {
                    throw new ConfigException(name, value, "must be a number or empty");
                }
            }

            @Override
            public String toString() {
                return "a number, or empty for no bound";
            }
        };
    }

    static Pattern compile(String key, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key, regex, "invalid regular expression: " + e.getDescription());
        }
    }

    static Map<String, Pattern> parseTagRules(String key, List<String> entries) {
        Map<String, Pattern> rules = new LinkedHashMap<>();
        for (String raw : entries) {
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 1) {
                throw new ConfigException(key, raw, "expected TAG=REGEX");
            }
            rules.put(e.substring(0, eq).trim(), compile(key, e.substring(eq + 1)));
        }
        return rules;
    }

    // ------------------------------------------------------------------ cross-field rules

    /** A rule broken by a combination of settings, reported on {@code key}. */
    public record Problem(String key, String message) {
    }

    /** Every cross-field problem of a parsed config (empty when it is consistent). */
    public static List<Problem> crossCheck(AbstractConfig c) {
        List<Problem> p = new ArrayList<>();
        int bufferRecords = c.getInt(BUFFER_MAX_RECORDS_CONFIG);
        int pollBatch = c.getInt(POLL_BATCH_MAX_RECORDS_CONFIG);
        if (bufferRecords < pollBatch) {
            p.add(new Problem(BUFFER_MAX_RECORDS_CONFIG, BUFFER_MAX_RECORDS_CONFIG + " (" + bufferRecords + ") must be at least "
                    + POLL_BATCH_MAX_RECORDS_CONFIG + " (" + pollBatch + ")"));
        }
        long bufferBytes = c.getLong(BUFFER_MAX_BYTES_CONFIG);
        int frame = c.getInt(FRAME_MAX_BYTES_CONFIG);
        if (bufferBytes < frame) {
            p.add(new Problem(BUFFER_MAX_BYTES_CONFIG, BUFFER_MAX_BYTES_CONFIG + " (" + bufferBytes + ") must be at least "
                    + FRAME_MAX_BYTES_CONFIG + " (" + frame + ") so that one frame's readings can always fit"));
        }
        double low = c.getDouble(BUFFER_LOW_WATERMARK_CONFIG);
        if ((long) Math.floor(bufferRecords * low) < 1) {
            p.add(new Problem(BUFFER_LOW_WATERMARK_CONFIG, BUFFER_LOW_WATERMARK_CONFIG + " (" + low + ") of " + BUFFER_MAX_RECORDS_CONFIG
                    + " (" + bufferRecords + ") leaves no room: paused connections would never resume"));
        }
        int line = c.getInt(LINE_MAX_BYTES_CONFIG);
        if (line > frame) {
            p.add(new Problem(LINE_MAX_BYTES_CONFIG, LINE_MAX_BYTES_CONFIG + " (" + line + ") must not exceed " + FRAME_MAX_BYTES_CONFIG
                    + " (" + frame + ")"));
        }
        int port = c.getInt(LISTEN_PORT_CONFIG);
        int linePort = c.getInt(LINE_LISTEN_PORT_CONFIG);
        if (linePort > 0 && linePort == port) {
            p.add(new Problem(LINE_LISTEN_PORT_CONFIG, LINE_LISTEN_PORT_CONFIG + " (" + linePort + ") must differ from "
                    + LISTEN_PORT_CONFIG + " (" + port + ")"));
        }
        checkTls(c, p);
        try {
            Map<String, Token> t = parseTokens(c.getPassword(AUTH_TOKENS_CONFIG));
            if (!t.isEmpty() && linePort >= 0 && !"required".equals(c.getString(TLS_CLIENT_AUTH_CONFIG))) {
                p.add(new Problem(LINE_LISTEN_PORT_CONFIG, "line mode cannot carry device tokens: with " + AUTH_TOKENS_CONFIG
                        + " set, turn line mode off (" + LINE_LISTEN_PORT_CONFIG + "=-1) or require client certificates ("
                        + TLS_CLIENT_AUTH_CONFIG + "=required)"));
            }
        } catch (ConfigException e) {
            p.add(new Problem(AUTH_TOKENS_CONFIG, e.getMessage()));
        }
        try {
            PatternRule.parseAll(OVERFLOW_POLICY_OVERRIDES_CONFIG, c.getList(OVERFLOW_POLICY_OVERRIDES_CONFIG),
                    List.of(PatternRule.Subject.DEVICE)).forEach(r -> OverflowPolicy.parse(r.value()));
        } catch (ConfigException e) {
            p.add(new Problem(OVERFLOW_POLICY_OVERRIDES_CONFIG, e.getMessage()));
        } catch (IllegalArgumentException e) {
            p.add(new Problem(OVERFLOW_POLICY_OVERRIDES_CONFIG, OVERFLOW_POLICY_OVERRIDES_CONFIG
                    + ": a rule names an unknown policy; use block, drop_oldest or drop_newest"));
        }
        try {
            for (PatternRule r : PatternRule.parseAll(TOPIC_ROUTES_CONFIG, c.getList(TOPIC_ROUTES_CONFIG),
                    List.of(PatternRule.Subject.DEVICE, PatternRule.Subject.METRIC))) {
                if (!r.value().matches("[a-zA-Z0-9._-]{1,249}")) {
                    p.add(new Problem(TOPIC_ROUTES_CONFIG, "'" + r.value() + "' is not a valid topic name"));
                }
            }
        } catch (ConfigException e) {
            p.add(new Problem(TOPIC_ROUTES_CONFIG, e.getMessage()));
        }
        checkFiles(c, p);
        checkValueFormat(c, p);
        Optional<Double> min = optionalDouble(c.getString(FILTER_VALUE_MIN_CONFIG));
        Optional<Double> max = optionalDouble(c.getString(FILTER_VALUE_MAX_CONFIG));
        if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            p.add(new Problem(FILTER_VALUE_MIN_CONFIG, FILTER_VALUE_MIN_CONFIG + " (" + min.get() + ") must not be larger than "
                    + FILTER_VALUE_MAX_CONFIG + " (" + max.get() + ")"));
        }
        return p;
    }

    /** A FILE_CHUNK frame's bytes beyond its data, with the longest file id allowed. */
    public static final int FILE_CHUNK_FRAME_OVERHEAD = io.sluice.protocol.file.FileLayout.CHUNK_FRAME_OVERHEAD_BYTES;

    /** Connect's converter that passes bytes through, the only one that writes record.value.format=json as it is. */
    public static final String BYTE_ARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

    private static void checkValueFormat(AbstractConfig c, List<Problem> p) {
        if (RecordValueFormat.parse(c.getString(RECORD_VALUE_FORMAT_CONFIG)) != RecordValueFormat.JSON) {
            return;
        }
        Object converter = c.originals().get("value.converter");
        String name = converter instanceof Class<?> k ? k.getName() : converter == null ? null : converter.toString().trim();
        if (name == null || !name.equals(BYTE_ARRAY_CONVERTER)) {
            p.add(new Problem(RECORD_VALUE_FORMAT_CONFIG, RECORD_VALUE_FORMAT_CONFIG + "=json writes the readings' JSON bytes and needs "
                    + "value.converter=" + BYTE_ARRAY_CONVERTER + " on the connector (value.converter is "
                    + (name == null ? "not set, so the worker's default applies" : name) + ")"));
        }
    }

    private static void checkFiles(AbstractConfig c, List<Problem> p) {
        String files = c.getString(FILES_TOPIC_CONFIG);
        if (files.isEmpty()) {
            return;
        }
        if (files.equals(c.getString(TOPIC_CONFIG))) {
            p.add(new Problem(FILES_TOPIC_CONFIG, FILES_TOPIC_CONFIG + " (" + files + ") must differ from " + TOPIC_CONFIG
                    + ": readings and file chunks are different records"));
        }
        int chunkMax = c.getInt(FILES_CHUNK_MAX_BYTES_CONFIG);
        int chunkMin = c.getInt(FILES_CHUNK_MIN_BYTES_CONFIG);
        if (chunkMin > chunkMax) {
            p.add(new Problem(FILES_CHUNK_MIN_BYTES_CONFIG, FILES_CHUNK_MIN_BYTES_CONFIG + " (" + chunkMin + ") must not exceed "
                    + FILES_CHUNK_MAX_BYTES_CONFIG + " (" + chunkMax + ")"));
        }
        int frame = c.getInt(FRAME_MAX_BYTES_CONFIG);
        if ((long) chunkMax + FILE_CHUNK_FRAME_OVERHEAD > frame) {
            p.add(new Problem(FILES_CHUNK_MAX_BYTES_CONFIG, FILES_CHUNK_MAX_BYTES_CONFIG + " (" + chunkMax + ") plus the "
                    + FILE_CHUNK_FRAME_OVERHEAD + " header bytes of a FILE_CHUNK frame must fit " + FRAME_MAX_BYTES_CONFIG + " ("
                    + frame + "): lower the chunk size or raise the frame limit"));
        }
        long record = io.sluice.protocol.file.FileRecord.maxRecordBytes(chunkMax);
        int kafkaMax = c.getInt(FILES_KAFKA_MAX_MESSAGE_BYTES_CONFIG);
        if (record > kafkaMax) {
            p.add(new Problem(FILES_CHUNK_MAX_BYTES_CONFIG, FILES_CHUNK_MAX_BYTES_CONFIG + " (" + chunkMax + ") makes records of up to "
                    + record + " bytes (base64 in JSON plus " + io.sluice.protocol.file.FileRecord.MAX_OVERHEAD_BYTES
                    + " of metadata), over " + FILES_KAFKA_MAX_MESSAGE_BYTES_CONFIG + " (" + kafkaMax + "): the largest chunk that fits is "
                    + maxChunkFor(kafkaMax) + " bytes, or raise the topic's max.message.bytes and the producer's max.request.size"));
        }
        Object override = c.originals().get(PRODUCER_MAX_REQUEST_SIZE_OVERRIDE);
        if (override != null) {
            try {
                long requestMax = Long.parseLong(override.toString().trim());
                if (record > requestMax) {
                    p.add(new Problem(FILES_CHUNK_MAX_BYTES_CONFIG, FILES_CHUNK_MAX_BYTES_CONFIG + " (" + chunkMax
                            + ") makes records of up to " + record + " bytes, over " + PRODUCER_MAX_REQUEST_SIZE_OVERRIDE + " ("
                            + requestMax + "): the producer would refuse them; the largest chunk that fits is "
                            + maxChunkFor(requestMax) + " bytes"));
                }
            } catch (NumberFormatException e) {
                // Connect itself reports a malformed producer override
            }
        }
        long buffer = c.getLong(FILES_BUFFER_MAX_BYTES_CONFIG);
        if (buffer < chunkMax) {
            p.add(new Problem(FILES_BUFFER_MAX_BYTES_CONFIG, FILES_BUFFER_MAX_BYTES_CONFIG + " (" + buffer + ") must be at least "
                    + FILES_CHUNK_MAX_BYTES_CONFIG + " (" + chunkMax + ") so that one chunk always fits"));
        }
    }

    /** The largest chunk whose record fits {@code recordMax} bytes. */
    static long maxChunkFor(long recordMax) {
        long room = recordMax - io.sluice.protocol.file.FileRecord.MAX_OVERHEAD_BYTES;
        return room <= 0 ? 0 : room / 4 * 3;
    }

    private static void checkTls(AbstractConfig c, List<Problem> p) {
        String clientAuth = c.getString(TLS_CLIENT_AUTH_CONFIG);
        boolean fromCert = c.getBoolean(TLS_DEVICE_ID_FROM_CERT_CONFIG);
        if (!c.getBoolean(TLS_ENABLED_CONFIG)) {
            if (!"none".equals(clientAuth) || fromCert) {
                p.add(new Problem(TLS_ENABLED_CONFIG, TLS_CLIENT_AUTH_CONFIG + " and " + TLS_DEVICE_ID_FROM_CERT_CONFIG
                        + " need " + TLS_ENABLED_CONFIG + "=true"));
            }
            return;
        }
        String chain = c.getString(TLS_CERT_CHAIN_CONFIG);
        String key = c.getString(TLS_PRIVATE_KEY_CONFIG);
        String store = c.getString(TLS_KEYSTORE_CONFIG);
        boolean pem = !chain.isBlank() || !key.isBlank();
        if (pem && !store.isBlank()) {
            p.add(new Problem(TLS_KEYSTORE_CONFIG, "give either " + TLS_CERT_CHAIN_CONFIG + " and " + TLS_PRIVATE_KEY_CONFIG
                    + " (PEM) or " + TLS_KEYSTORE_CONFIG + ", not both"));
        } else if (pem && (chain.isBlank() || key.isBlank())) {
            p.add(new Problem(chain.isBlank() ? TLS_CERT_CHAIN_CONFIG : TLS_PRIVATE_KEY_CONFIG, "PEM needs both "
                    + TLS_CERT_CHAIN_CONFIG + " and " + TLS_PRIVATE_KEY_CONFIG));
        } else if (!pem && store.isBlank()) {
            p.add(new Problem(TLS_CERT_CHAIN_CONFIG, TLS_ENABLED_CONFIG + "=true needs " + TLS_CERT_CHAIN_CONFIG + " and "
                    + TLS_PRIVATE_KEY_CONFIG + " (PEM) or " + TLS_KEYSTORE_CONFIG));
        }
        for (String k : List.of(TLS_CERT_CHAIN_CONFIG, TLS_PRIVATE_KEY_CONFIG, TLS_KEYSTORE_CONFIG, TLS_TRUSTED_CERTS_CONFIG,
                TLS_TRUSTSTORE_CONFIG)) {
            String f = c.getString(k);
            if (!f.isBlank() && !Files.isReadable(Path.of(f))) {
                p.add(new Problem(k, "file " + f + " does not exist or is not readable by the worker"));
            }
        }
        boolean trust = !c.getString(TLS_TRUSTED_CERTS_CONFIG).isBlank() || !c.getString(TLS_TRUSTSTORE_CONFIG).isBlank();
        if (!"none".equals(clientAuth) && !trust) {
            p.add(new Problem(TLS_CLIENT_AUTH_CONFIG, TLS_CLIENT_AUTH_CONFIG + "=" + clientAuth + " needs "
                    + TLS_TRUSTED_CERTS_CONFIG + " or " + TLS_TRUSTSTORE_CONFIG + " to check client certificates against"));
        }
        if (fromCert && "none".equals(clientAuth)) {
            p.add(new Problem(TLS_DEVICE_ID_FROM_CERT_CONFIG, TLS_DEVICE_ID_FROM_CERT_CONFIG + "=true needs "
                    + TLS_CLIENT_AUTH_CONFIG + "=optional or required"));
        }
    }

    private static Optional<Double> optionalDouble(String s) {
        if (s == null || s.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A device secret, compared in constant time. */
    public static final class Token {
        private final byte[] secret;

        Token(String secret) {
            this.secret = secret.getBytes(StandardCharsets.UTF_8);
        }

        public boolean matches(String presented) {
            return presented != null && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "[hidden]";
        }
    }

    static Map<String, Token> parseTokens(Password p) {
        Map<String, Token> tokens = new LinkedHashMap<>();
        String v = p == null ? "" : p.value();
        if (v == null || v.isBlank()) {
            return tokens;
        }
        int i = 0;
        for (String raw : v.split(",")) {
            i++;
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq < 1 || eq == e.length() - 1) {
                // never echo the value: it is a secret
                throw new ConfigException(AUTH_TOKENS_CONFIG + ": entry " + i + " is not DEVICE=TOKEN");
            }
            String device = e.substring(0, eq).trim();
            if (!device.equals("*")) {
                try {
                    ProtocolLimits.checkDeviceId(device);
                } catch (RuntimeException x) {
                    throw new ConfigException(AUTH_TOKENS_CONFIG + ": entry " + i + " names an invalid device id: " + x.getMessage());
                }
            }
            tokens.put(device, new Token(e.substring(eq + 1).trim()));
        }
        return tokens;
    }

    // ------------------------------------------------------------------ typed accessors

    public String listenAddress() {
        return getString(LISTEN_ADDRESS_CONFIG);
    }

    public int listenPort() {
        return getInt(LISTEN_PORT_CONFIG);
    }

    /** The line-mode port, or empty when line mode is off. */
    public Optional<Integer> linePort() {
        int p = getInt(LINE_LISTEN_PORT_CONFIG);
        return p < 0 ? Optional.empty() : Optional.of(p);
    }

    public ListenerTransport listenTransport() {
        return ListenerTransport.parse(getString(LISTEN_TRANSPORT_CONFIG));
    }

    public int listenerThreads() {
        return getInt(LISTENER_THREADS_CONFIG);
    }

    public int maxConnections() {
        return getInt(CONNECTIONS_MAX_CONFIG);
    }

    public int maxConnectionsPerAddress() {
        return getInt(CONNECTIONS_MAX_PER_ADDRESS_CONFIG);
    }

    public Duration idleTimeout() {
        return Duration.ofMillis(getLong(IDLE_TIMEOUT_MS_CONFIG));
    }

    public ProtocolLimits protocolLimits() {
        NonFinitePolicy nf = "accept".equals(getString(NON_FINITE_CONFIG)) ? NonFinitePolicy.ACCEPT : NonFinitePolicy.REJECT;
        int frame = getInt(FRAME_MAX_BYTES_CONFIG);
        return new ProtocolLimits(frame, Math.min(getInt(LINE_MAX_BYTES_CONFIG), frame), getInt(FRAME_BATCH_MAX_READINGS_CONFIG),
                ProtocolLimits.DEFAULT_MAX_TAGS, nf, 0L, ProtocolLimits.LATEST_TIMESTAMP_MS);
    }

    public boolean tlsEnabled() {
        return getBoolean(TLS_ENABLED_CONFIG);
    }

    /** The TLS settings of the listeners, or empty when TLS is off. */
    public Optional<TlsSettings> tlsSettings() {
        if (!tlsEnabled()) {
            return Optional.empty();
        }
        ClientAuth auth = switch (getString(TLS_CLIENT_AUTH_CONFIG)) {
            case "required" -> ClientAuth.REQUIRE;
            case "optional" -> ClientAuth.OPTIONAL;
            default -> ClientAuth.NONE;
        };
        String keyPassword = getPassword(TLS_KEY_PASSWORD_CONFIG).value();
        String trustPassword = getPassword(TLS_TRUSTSTORE_PASSWORD_CONFIG).value();
        return Optional.of(new TlsSettings(path(TLS_CERT_CHAIN_CONFIG), path(TLS_PRIVATE_KEY_CONFIG),
                keyPassword.isEmpty() ? null : keyPassword, path(TLS_KEYSTORE_CONFIG), getString(TLS_KEYSTORE_TYPE_CONFIG),
                path(TLS_TRUSTED_CERTS_CONFIG), path(TLS_TRUSTSTORE_CONFIG), trustPassword.isEmpty() ? null : trustPassword,
                auth, false));
    }

    private Path path(String key) {
        String s = getString(key);
        return s.isBlank() ? null : Path.of(s);
    }

    public boolean deviceIdFromCertificate() {
        return getBoolean(TLS_DEVICE_ID_FROM_CERT_CONFIG);
    }

    /** Device id (or '*') to token; empty when devices need no token. */
    public Map<String, Token> tokens() {
        return tokens;
    }

    public Pattern deviceIdPattern() {
        return Pattern.compile(getString(DEVICE_ID_PATTERN_CONFIG));
    }

    public int bufferMaxRecords() {
        return getInt(BUFFER_MAX_RECORDS_CONFIG);
    }

    public long bufferMaxBytes() {
        return getLong(BUFFER_MAX_BYTES_CONFIG);
    }

    public double bufferLowWatermark() {
        return getDouble(BUFFER_LOW_WATERMARK_CONFIG);
    }

    public boolean fairShare() {
        return getBoolean(BUFFER_FAIR_SHARE_CONFIG);
    }

    public OverflowPolicy overflowPolicy() {
        return OverflowPolicy.parse(getString(OVERFLOW_POLICY_CONFIG));
    }

    /** The overflow policy of one device: the first matching override, else the connector's. */
    public OverflowPolicy overflowPolicyFor(String device) {
        for (PatternRule r : overflowOverrides) {
            if (r.matches(device, null)) {
                return OverflowPolicy.parse(r.value());
            }
        }
        return overflowPolicy();
    }

    public boolean hasOverflowOverrides() {
        return !overflowOverrides.isEmpty();
    }

    public boolean gapRecords() {
        return getBoolean(GAP_RECORDS_CONFIG);
    }

    public List<Pattern> metricsInclude() {
        return getList(FILTER_METRICS_INCLUDE_CONFIG).stream().map(Pattern::compile).toList();
    }

    public List<Pattern> metricsExclude() {
        return getList(FILTER_METRICS_EXCLUDE_CONFIG).stream().map(Pattern::compile).toList();
    }

    public Optional<Double> valueMin() {
        return optionalDouble(getString(FILTER_VALUE_MIN_CONFIG));
    }

    public Optional<Double> valueMax() {
        return optionalDouble(getString(FILTER_VALUE_MAX_CONFIG));
    }

    public Map<String, Pattern> tagRules() {
        return parseTagRules(FILTER_TAGS_CONFIG, getList(FILTER_TAGS_CONFIG));
    }

    /** The pre-aggregation interval, or empty when pre-aggregation is off. */
    public Optional<Duration> aggregateInterval() {
        long ms = getLong(AGGREGATE_INTERVAL_MS_CONFIG);
        return ms <= 0 ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
    }

    public AggregateFunction aggregateFunction() {
        return AggregateFunction.parse(getString(AGGREGATE_FUNCTION_CONFIG));
    }

    public List<Pattern> aggregateMetrics() {
        return getList(AGGREGATE_METRICS_CONFIG).stream().map(Pattern::compile).toList();
    }

    public String topic() {
        return getString(TOPIC_CONFIG);
    }

    public List<PatternRule> topicRoutes() {
        return routes;
    }

    public RecordValueFormat recordValueFormat() {
        return RecordValueFormat.parse(getString(RECORD_VALUE_FORMAT_CONFIG));
    }

    public boolean recordHeadersEnabled() {
        return getBoolean(RECORD_HEADERS_ENABLED_CONFIG);
    }

    public TimestampPolicy timestampPolicy() {
        return TimestampPolicy.parse(getString(TIMESTAMP_POLICY_CONFIG));
    }

    public Duration timestampFutureMax() {
        return Duration.ofMillis(getLong(TIMESTAMP_FUTURE_MAX_MS_CONFIG));
    }

    public Duration timestampPastMax() {
        return Duration.ofMillis(getLong(TIMESTAMP_PAST_MAX_MS_CONFIG));
    }

    public int pollBatchMaxRecords() {
        return getInt(POLL_BATCH_MAX_RECORDS_CONFIG);
    }

    public Duration pollTimeout() {
        return Duration.ofMillis(getLong(POLL_TIMEOUT_MS_CONFIG));
    }

    /** The files topic, or empty when file transfer is off. */
    public Optional<String> filesTopic() {
        String t = getString(FILES_TOPIC_CONFIG);
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    public long filesMaxBytes() {
        return getLong(FILES_MAX_BYTES_CONFIG);
    }

    public int filesChunkMaxBytes() {
        return getInt(FILES_CHUNK_MAX_BYTES_CONFIG);
    }

    public int filesChunkMinBytes() {
        return getInt(FILES_CHUNK_MIN_BYTES_CONFIG);
    }

    public long filesBufferMaxBytes() {
        return getLong(FILES_BUFFER_MAX_BYTES_CONFIG);
    }

    public int filesBufferMaxChunks() {
        return getInt(FILES_BUFFER_MAX_CHUNKS_CONFIG);
    }

    public int filesTransfersMax() {
        return getInt(FILES_TRANSFERS_MAX_CONFIG);
    }

    public Duration filesTransferIdle() {
        return Duration.ofMillis(getLong(FILES_TRANSFER_IDLE_MS_CONFIG));
    }

    public AckMode ackMode() {
        return AckMode.parse(getString(ACK_MODE_CONFIG));
    }

    public Duration resumeLookupTimeout() {
        return Duration.ofMillis(getLong(RESUME_LOOKUP_TIMEOUT_MS_CONFIG));
    }

    /**
     * Whether this configuration gives exactly-once delivery with Connect's exactly-once source
     * support: acknowledgements only after commit (so devices resend what is not in Kafka) and no
     * line mode (which has neither sequence resends nor acknowledgements), no pre-aggregation (an
     * aggregate leaves in window order, so after a crash a device may resend readings that an
     * aggregate already counted).
     */
    public boolean exactlyOnceCapable() {
        return ackMode() == AckMode.COMMIT && linePort().isEmpty() && aggregateInterval().isEmpty();
    }
}
