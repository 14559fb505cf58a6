package io.sluice.device;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.sluice.protocol.ProtocolLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of one {@link DeviceClient}. Build with {@link #builder(String, InetSocketAddress...)}.
 *
 * @param endpoints           source endpoints, tried in turn on every (re)connect: list every
 *                            worker, or one load balancer address
 * @param deviceId            this device's id
 * @param token               this device's secret, or empty
 * @param ssl                 TLS context, or null for plaintext
 * @param limits              protocol limits (frame size) this client keeps to
 * @param batchMaxReadings    most readings per frame; 1 sends one {@code READING} frame each
 * @param linger              how long a partial batch waits for more readings
 * @param maxInFlightReadings window bound in readings: sends block beyond it
 * @param maxInFlightBytes    window bound in encoded bytes
 * @param initialSeq          seq of the last reading this device sent before (persisted by the
 *                            application), or -1 to continue after what the source has
 * @param reconnectBackoffMin first reconnect delay
 * @param reconnectBackoffMax reconnect delay cap (exponential in between)
 * @param reconnectJitter     random share of each delay, 0..1
 * @param connectTimeout      TCP connect plus handshake deadline per attempt
 * @param eventLoopGroup      a shared Netty group (many simulated devices), or null to own one
 * @param listener            connection and delivery events
 */
public record DeviceClientConfig(List<InetSocketAddress> endpoints, String deviceId, String token, SslContext ssl,
        ProtocolLimits limits, int batchMaxReadings, Duration linger, int maxInFlightReadings, long maxInFlightBytes,
        long initialSeq, Duration reconnectBackoffMin, Duration reconnectBackoffMax, double reconnectJitter,
        Duration connectTimeout, EventLoopGroup eventLoopGroup, DeviceClientListener listener) {

    public DeviceClientConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is needed");
        }
        Objects.requireNonNull(deviceId, "deviceId");
        ProtocolLimits.checkDeviceId(deviceId);
        token = token == null ? "" : token;
        limits = limits == null ? ProtocolLimits.DEFAULTS : limits;
        if (batchMaxReadings < 1 || batchMaxReadings > limits.maxBatchReadings()) {
            throw new IllegalArgumentException("batchMaxReadings must be between 1 and " + limits.maxBatchReadings());
        }
        if (maxInFlightReadings < batchMaxReadings) {
            throw new IllegalArgumentException("maxInFlightReadings (" + maxInFlightReadings
                    + ") must be at least batchMaxReadings (" + batchMaxReadings + ")");
        }
        if (maxInFlightBytes < limits.maxFrameBytes()) {
            throw new IllegalArgumentException("maxInFlightBytes (" + maxInFlightBytes
                    + ") must be at least the frame limit (" + limits.maxFrameBytes() + ")");
        }
        if (reconnectBackoffMin.isNegative() || reconnectBackoffMin.isZero()
                || reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("need 0 < reconnectBackoffMin <= reconnectBackoffMax");
        }
        if (reconnectJitter < 0 || reconnectJitter > 1) {
            throw new IllegalArgumentException("reconnectJitter must be between 0 and 1");
        }
        listener = listener == null ? DeviceClientListener.NONE : listener;
    }

    public static Builder builder(String deviceId, InetSocketAddress... endpoints) {
        return new Builder(deviceId, List.of(endpoints));
    }

    public static Builder builder(String deviceId, List<InetSocketAddress> endpoints) {
        return new Builder(deviceId, endpoints);
    }

    /** Defaults suit a device that sends steadily: batches of 500, 5 ms linger, 10 000 in flight. */
    public static final class Builder {
        private final List<InetSocketAddress> endpoints;
        private final String deviceId;
        private String token = "";
        private SslContext ssl;
        private ProtocolLimits limits = ProtocolLimits.DEFAULTS;
        private int batchMaxReadings = 500;
        private Duration linger = Duration.ofMillis(5);
        private int maxInFlightReadings = 10_000;
        private long maxInFlightBytes = 8L << 20;
        private long initialSeq = -1;
        private Duration backoffMin = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(10);
        private double jitter = 0.2;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private EventLoopGroup group;
        private DeviceClientListener listener;

        private Builder(String deviceId, List<InetSocketAddress> endpoints) {
            this.deviceId = deviceId;
            this.endpoints = new ArrayList<>(endpoints);
        }

        public Builder token(String v) {
            token = v;
            return this;
        }

        public Builder ssl(SslContext v) {
            ssl = v;
            return this;
        }

        public Builder limits(ProtocolLimits v) {
            limits = v;
            return this;
        }

        public Builder batchMaxReadings(int v) {
            batchMaxReadings = v;
            return this;
        }

        public Builder linger(Duration v) {
            linger = v;
            return this;
        }

        public Builder maxInFlightReadings(int v) {
            maxInFlightReadings = v;
            return this;
        }

        public Builder maxInFlightBytes(long v) {
            maxInFlightBytes = v;
            return this;
        }

        public Builder initialSeq(long v) {
            initialSeq = v;
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

        public Builder eventLoopGroup(EventLoopGroup v) {
            group = v;
            return this;
        }

        public Builder listener(DeviceClientListener v) {
            listener = v;
            return this;
        }

        public DeviceClientConfig build() {
            return new DeviceClientConfig(endpoints, deviceId, token, ssl, limits, batchMaxReadings, linger,
                    maxInFlightReadings, maxInFlightBytes, initialSeq, backoffMin, backoffMax, jitter, connectTimeout,
                    group, listener);
        }
    }
}
