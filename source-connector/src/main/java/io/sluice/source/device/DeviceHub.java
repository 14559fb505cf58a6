package io.sluice.source.device;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.ProtocolLimits;
import io.sluice.protocol.frame.Ack;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.Reading;
import io.sluice.protocol.tls.TlsIdentity;
import io.sluice.source.buffer.DeviceBuffer;
import io.sluice.source.config.AckMode;
import io.sluice.source.config.SluiceSourceConfig;
import io.sluice.source.config.TimestampPolicy;
import io.sluice.source.file.FileHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSession;

/**
 * The network side of one task, Kafka-free: admits connections, authorizes devices, keeps each
 * device's {@link SeqLedger}, feeds readings into the {@link DeviceBuffer} and sends cumulative
 * acknowledgements when the task reports records committed.
 */
public final class DeviceHub {
    private final SluiceSourceConfig config;
    private final ProtocolLimits limits;
    private final DeviceBuffer buffer;
    private final SourceStats stats;
    private final Clock clock;
    private final ResumeResolver resolver;
    private final Map<String, SluiceSourceConfig.Token> tokens;
    private final Pattern allowedIds;
    private final boolean idFromCertificate;
    private final AckMode ackMode;
    private final TimestampPolicy timestampPolicy;
    private final long futureMaxMs;
    private final long pastMaxMs;
    private final int heartbeatMs;

    private final ConcurrentHashMap<String, DeviceState> devices = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup("sluice-devices", GlobalEventExecutor.INSTANCE);
    private volatile boolean stopping;
    private volatile FileHub files;

    /**
     * @param bufferFactory builds the buffer with the hub's eviction callback (drop_oldest
     *                      readings are done for the ledger: acknowledged and not resent)
     */
    public DeviceHub(SluiceSourceConfig config, java.util.function.Function<DeviceBuffer.Events, DeviceBuffer> bufferFactory,
            ResumeResolver.Lookup lookup, SourceStats stats, Clock clock, String name) {
        this.config = config;
        this.limits = config.protocolLimits();
        this.stats = stats;
        this.clock = clock;
        this.buffer = bufferFactory.apply(this::evicted);
        this.resolver = new ResumeResolver(lookup, "sluice-resume-" + name);
        this.tokens = config.tokens();
        this.allowedIds = config.deviceIdPattern();
        this.idFromCertificate = config.deviceIdFromCertificate();
        this.ackMode = config.ackMode();
        this.timestampPolicy = config.timestampPolicy();
        this.futureMaxMs = config.timestampFutureMax().toMillis();
        this.pastMaxMs = config.timestampPastMax().toMillis();
        this.heartbeatMs = (int) Math.max(500, config.idleTimeout().toMillis() / 3);
    }

    public DeviceBuffer buffer() {
        return buffer;
    }

    /** The file side (set by the task before the listener starts; off unless set). */
    public void files(FileHub hub) {
        this.files = hub;
    }

    public FileHub files() {
        FileHub f = files;
        if (f == null) {
            f = FileHub.disabled(stats);
            files = f;
        }
        return f;
    }

    public SourceStats stats() {
        return stats;
    }

    public ProtocolLimits limits() {
        return limits;
    }

    SluiceSourceConfig config() {
        return config;
    }

    Clock clock() {
        return clock;
    }

    int heartbeatMs() {
        return heartbeatMs;
    }

    AckMode ackMode() {
        return ackMode;
    }

    ResumeResolver resolver() {
        return resolver;
    }

    boolean stopping() {
        return stopping;
    }

    // ------------------------------------------------------------------ connections

    /** Registers a new connection; returns the refusal to send if a limit is reached, else null. */
    ErrorFrame admit(Channel ch) {
        channels.add(ch);
        stats.connectionsOpened.increment();
        if (stopping) {
            return new ErrorFrame(ErrorCode.SHUTTING_DOWN, "the source task is stopping; reconnect in a moment");
        }
        InetAddress address = addressOf(ch.remoteAddress());
        int n = total.incrementAndGet();
        int perAddr = address == null ? 0 : perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (n > config.maxConnections()) {
            release(address);
            return new ErrorFrame(ErrorCode.TOO_MANY_CONNECTIONS, "this task already has " + config.maxConnections()
                    + " connections (" + SluiceSourceConfig.CONNECTIONS_MAX_CONFIG + ")");
        }
        if (address != null && perAddr > config.maxConnectionsPerAddress()) {
            release(address);
            return new ErrorFrame(ErrorCode.TOO_MANY_CONNECTIONS, "this task already has " + config.maxConnectionsPerAddress()
                    + " connections from " + address.getHostAddress() + " ("
                    + SluiceSourceConfig.CONNECTIONS_MAX_PER_ADDRESS_CONFIG + ")");
        }
        stats.connectionsActive.incrementAndGet();
        return null;
    }

    /** Forgets an admitted connection. */
    void closed(Channel ch) {
        release(addressOf(ch.remoteAddress()));
        stats.connectionsActive.decrementAndGet();
    }

    private void release(InetAddress address) {
        total.decrementAndGet();
        if (address != null) {
            AtomicInteger c = perAddress.get(address);
            if (c != null && c.decrementAndGet() <= 0) {
                perAddress.remove(address, c);
            }
        }
    }

    private static InetAddress addressOf(SocketAddress a) {
        return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    // ------------------------------------------------------------------ devices

    /**
     * Checks that {@code device} may connect with {@code token} over {@code tls} (null when
     * plaintext, or when the token is not to be checked: line mode).
     *
     * @throws ProtocolException BAD_DEVICE_ID, NOT_ALLOWED or AUTH_FAILED
     */
    void authorize(String device, String token, SSLSession tls, boolean checkToken) {
        ProtocolLimits.checkDeviceId(device);
        if (!allowedIds.matcher(device).matches()) {
            throw new ProtocolException(ErrorCode.NOT_ALLOWED, "device id '" + device + "' does not match the allowed pattern ("
                    + SluiceSourceConfig.DEVICE_ID_PATTERN_CONFIG + ")");
        }
        if (idFromCertificate && tls != null) {
            List<String> names = TlsIdentity.names(tls);
            if (!names.isEmpty() && !names.contains(device)) {
                throw new ProtocolException(ErrorCode.NOT_ALLOWED, "device id '" + device
                        + "' is not a name of the client certificate (" + String.join(", ", names) + ")");
            }
        }
        if (checkToken && !tokens.isEmpty()) {
            SluiceSourceConfig.Token t = tokens.get(device);
            if (t == null) {
                t = tokens.get("*");
            }
            if (t == null || !t.matches(token)) {
                throw new ProtocolException(ErrorCode.AUTH_FAILED, token == null || token.isEmpty()
                        ? "device '" + device + "' needs a token" : "wrong token for device '" + device + "'");
            }
        }
    }

    DeviceState device(String id) {
        return devices.computeIfAbsent(id, DeviceState::new);
    }

    /** Makes {@code session} the device's connection (closing an older one) once its resume seq is known. */
    void attach(DeviceState st, FramedSession session, long resumeSeq) {
        st.ledger.startAfter(resumeSeq);
        FramedSession old = st.session;
        st.session = session;
        if (old != null && old != session) {
            old.replaced();
        } else if (old == null) {
            stats.devicesConnected.incrementAndGet();
        }
    }

    void detach(DeviceState st, FramedSession session) {
        if (st.session == session) {
            st.session = null;
            stats.devicesConnected.decrementAndGet();
        }
    }

    /** Devices this task has seen (connected now or not). */
    public int devicesKnown() {
        return devices.size();
    }

    /** The ledger of a device, for tests and metrics; null if unknown. */
    public SeqLedger ledger(String device) {
        DeviceState st = devices.get(device);
        return st == null ? null : st.ledger;
    }

    // ------------------------------------------------------------------ time

    /**
     * Applies the clock-skew policy: the reading unchanged, or with a new timestamp (the original
     * in the {@code original_ts} tag).
     *
     * @throws ProtocolException BAD_TIMESTAMP under the reject policy
     */
    Reading guardTime(Reading r) {
        long now = clock.millis();
        long ts = r.timestampMs();
        long latest = now + futureMaxMs;
        long earliest = now - pastMaxMs;
        if (ts <= latest && ts >= earliest) {
            return r;
        }
        String which = ts > latest ? (ts - now) + " ms ahead of" : (now - ts) + " ms behind";
        long fixed = switch (timestampPolicy) {
            case REJECT -> throw new ProtocolException(ErrorCode.BAD_TIMESTAMP, "timestamp " + ts + " is " + which
                    + " the source's clock (limits: " + SluiceSourceConfig.TIMESTAMP_FUTURE_MAX_MS_CONFIG + "=" + futureMaxMs + ", "
                    + SluiceSourceConfig.TIMESTAMP_PAST_MAX_MS_CONFIG + "=" + pastMaxMs + ")", r.seq());
            case CLAMP -> ts > latest ? latest : earliest;
            case ARRIVAL -> now;
        };
        stats.timestampsAdjusted.increment();
        Map<String, String> tags = new HashMap<>(r.tags());
        tags.put("original_ts", Long.toString(ts));
        return new Reading(r.seq(), fixed, r.metric(), r.value(), tags);
    }

    // ------------------------------------------------------------------ acknowledgements

    /** Records of {@code device} standing for {@code seqs} are in Kafka (or were dropped by a transform). */
    public void committed(String device, long[] seqs) {
        DeviceState st = devices.get(device);
        if (st == null) {
            return;
        }
        stats.readingsCommitted.add(seqs.length);
        complete(st, seqs);
    }

    private void evicted(String device, long[] seqs, io.sluice.source.buffer.DropReason reason) {
        DeviceState st = devices.get(device);
        if (st != null) {
            complete(st, seqs);
        }
    }

    void complete(DeviceState st, long[] seqs) {
        long now = System.nanoTime();
        boolean advanced = false;
        for (long s : seqs) {
            advanced |= st.ledger.complete(s, now, stats::ackLatency) >= 0;
        }
        if (advanced) {
            scheduleAck(st, false);
        }
    }

    /** Sends the device its current acknowledgement, coalescing bursts into one frame per event-loop turn. */
    void scheduleAck(DeviceState st, boolean force) {
        FramedSession s = st.session;
        if (s == null) {
            return;
        }
        if (force) {
            st.ackScheduled.set(false);
        }
        if (st.ackScheduled.compareAndSet(false, true)) {
            s.channel().eventLoop().execute(() -> {
                st.ackScheduled.set(false);
                long acked = st.ledger.acked();
                if (acked > 0 && st.session == s && s.channel().isActive()) {
                    s.channel().writeAndFlush(new Ack(acked), s.channel().voidPromise());
                    stats.acksSent.increment();
                }
            });
        }
    }

    // ------------------------------------------------------------------ stop

    /** Refuses new connections, closes every open one (unacknowledged readings are resent by the devices). */
    public void stop() {
        stopping = true;
        resolver.close();
        channels.close().awaitUninterruptibly(5_000);
    }
}
