package io.sluice.device.sim;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.sluice.device.DeviceClient;
import io.sluice.device.DeviceClientConfig;
import io.sluice.device.DeviceClientStats;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Simulated devices: N {@link DeviceClient}s on one shared Netty group, fed by a few generator
 * threads at a total rate, for a duration or a count per device. Readings carry current
 * timestamps and each device's seqs count up from where the source resumes it. Used by the
 * simulator CLI, the tests, the quickstart and the benchmarks.
 */
public final class DeviceFleet implements AutoCloseable {

    /**
     * @param ratePerSecond      total readings per second over all devices; 0 or less = as fast as the windows allow
     * @param readingsPerDevice  stop after this many per device; 0 or less = no count limit
     * @param duration           stop after this long; null = no time limit
     */
    public record Settings(List<InetSocketAddress> endpoints, int devices, String idPrefix, double ratePerSecond,
            long readingsPerDevice, Duration duration, List<String> metrics, int batchMaxReadings, Duration linger,
            int maxInFlightReadings, String token, SslContext ssl, int generatorThreads) {

        public Settings {
            if (devices < 1) {
                throw new IllegalArgumentException("devices must be at least 1");
            }
            if (readingsPerDevice <= 0 && duration == null) {
                throw new IllegalArgumentException("give a count per device or a duration, or the fleet never stops");
            }
            metrics = metrics == null || metrics.isEmpty() ? List.of("temperature") : List.copyOf(metrics);
            generatorThreads = Math.max(1, Math.min(generatorThreads, devices));
        }

        public static Settings of(InetSocketAddress endpoint, int devices, long readingsPerDevice) {
            return new Settings(List.of(endpoint), devices, "sim-", 0, readingsPerDevice, null, List.of("temperature"),
                    500, Duration.ofMillis(5), 10_000, "", null, 1);
        }

        public Settings withRate(double perSecond) {
            return new Settings(endpoints, devices, idPrefix, perSecond, readingsPerDevice, duration, metrics,
                    batchMaxReadings, linger, maxInFlightReadings, token, ssl, generatorThreads);
        }

        public Settings withIdPrefix(String prefix) {
            return new Settings(endpoints, devices, prefix, ratePerSecond, readingsPerDevice, duration, metrics,
                    batchMaxReadings, linger, maxInFlightReadings, token, ssl, generatorThreads);
        }

        public Settings withBatch(int batch, Duration lingerTime) {
            return new Settings(endpoints, devices, idPrefix, ratePerSecond, readingsPerDevice, duration, metrics, batch,
                    lingerTime, Math.max(maxInFlightReadings, batch), token, ssl, generatorThreads);
        }

        public Settings withMetrics(List<String> names) {
            return new Settings(endpoints, devices, idPrefix, ratePerSecond, readingsPerDevice, duration, names,
                    batchMaxReadings, linger, maxInFlightReadings, token, ssl, generatorThreads);
        }

        public Settings withToken(String t) {
            return new Settings(endpoints, devices, idPrefix, ratePerSecond, readingsPerDevice, duration, metrics,
                    batchMaxReadings, linger, maxInFlightReadings, t, ssl, generatorThreads);
        }

        public Settings withMaxInFlight(int readings) {
            return new Settings(endpoints, devices, idPrefix, ratePerSecond, readingsPerDevice, duration, metrics,
                    batchMaxReadings, linger, readings, token, ssl, generatorThreads);
        }

        public Settings withGeneratorThreads(int n) {
            return new Settings(endpoints, devices, idPrefix, ratePerSecond, readingsPerDevice, duration, metrics,
                    batchMaxReadings, linger, maxInFlightReadings, token, ssl, n);
        }
    }

    /** Fleet-wide counters: the sums of every device's {@link DeviceClientStats}. */
    public record FleetStats(int devices, int connected, long accepted, long sent, long resent, long acked, long rejected,
            long inFlight, long failedDevices) {
    }

    private final Settings settings;
    private final EventLoopGroup group;
    private final List<DeviceClient> clients = new ArrayList<>();
    private final List<Thread> generators = new ArrayList<>();
    private final long startNanos;
    private volatile boolean stopping;

    private DeviceFleet(Settings settings) {
        this.settings = settings;
        this.group = new MultiThreadIoEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()),
                NioIoHandler.newFactory());
        for (int i = 0; i < settings.devices(); i++) {
            DeviceClientConfig.Builder b = DeviceClientConfig.builder(deviceId(settings, i), settings.endpoints())
                    .token(settings.token())
                    .ssl(settings.ssl())
                    .batchMaxReadings(settings.batchMaxReadings())
                    .linger(settings.linger())
                    .maxInFlightReadings(settings.maxInFlightReadings())
                    .eventLoopGroup(group);
            clients.add(DeviceClient.start(b.build()));
        }
        this.startNanos = System.nanoTime();
        int threads = settings.generatorThreads();
        for (int t = 0; t < threads; t++) {
            List<DeviceClient> mine = new ArrayList<>();
            for (int i = t; i < clients.size(); i += threads) {
                mine.add(clients.get(i));
            }
            double share = settings.ratePerSecond() > 0 ? settings.ratePerSecond() * mine.size() / clients.size() : 0;
            Thread g = new Thread(() -> generate(mine, share), "sluice-fleet-generator-" + t);
            g.setDaemon(true);
            generators.add(g);
        }
        generators.forEach(Thread::start);
    }

    /** The id of device {@code i} of a fleet: prefix plus a zero-padded index. */
    public static String deviceId(Settings s, int i) {
        return s.idPrefix() + String.format("%05d", i);
    }

    public static DeviceFleet start(Settings settings) {
        return new DeviceFleet(settings);
    }

    private void generate(List<DeviceClient> mine, double ratePerSecond) {
        long[] count = new long[mine.size()];
        int metricCount = settings.metrics().size();
        long deadline = settings.duration() == null ? Long.MAX_VALUE : startNanos + settings.duration().toNanos();
        long limit = settings.readingsPerDevice() > 0 ? settings.readingsPerDevice() : Long.MAX_VALUE;
        long generated = 0;
        int finished = 0;
        boolean[] done = new boolean[mine.size()];
        try {
            while (!stopping && finished < mine.size() && System.nanoTime() < deadline) {
                if (ratePerSecond > 0) {
                    double elapsed = (System.nanoTime() - startNanos) / 1e9;
                    long due = (long) (elapsed * ratePerSecond) - generated;
                    if (due <= 0) {
                        LockSupport.parkNanos(200_000);
                        continue;
                    }
                }
                boolean progressed = false;
                for (int i = 0; i < mine.size() && !stopping; i++) {
                    if (done[i]) {
                        continue;
                    }
                    DeviceClient c = mine.get(i);
                    String metric = settings.metrics().get((int) (count[i] % metricCount));
                    double value = 20 + 5 * Math.sin(count[i] / 50.0) + (i % 7);
                    long seq;
                    try {
                        seq = c.trySend(metric, value, System.currentTimeMillis(), Map.of(), Duration.ZERO);
                    } catch (IllegalStateException failed) {
                        done[i] = true;
                        finished++;
                        continue;
                    }
                    if (seq >= 0) {
                        progressed = true;
                        generated++;
                        if (++count[i] >= limit) {
                            done[i] = true;
                            finished++;
                        }
                    }
                }
                if (!progressed) {
                    // every window is full (or not yet open): the source is pushing back
                    LockSupport.parkNanos(1_000_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the generators have produced everything (count or duration reached). */
    public boolean awaitGenerated(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread g : generators) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedJoin(g, left);
            if (g.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Waits until every generated reading is acknowledged; false on timeout. */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (DeviceClient c : clients) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                if (!c.flush(Duration.ofNanos(left))) {
                    return false;
                }
            } catch (IllegalStateException failed) {
                // counted in failedDevices
            }
        }
        return true;
    }

    /** Stops generating (in-flight readings stay in the windows until flushed or closed). */
    public void stopGenerating() {
        stopping = true;
    }

    public FleetStats stats() {
        int connected = 0;
        long accepted = 0;
        long sent = 0;
        long resent = 0;
        long acked = 0;
        long rejected = 0;
        long inFlight = 0;
        long failed = 0;
        for (DeviceClient c : clients) {
            DeviceClientStats s = c.stats();
            connected += c.isConnected() ? 1 : 0;
            accepted += s.accepted();
            sent += s.sent();
            resent += s.resent();
            acked += s.acked();
            rejected += s.rejected();
            inFlight += s.inFlight();
            failed += c.hasFailed() ? 1 : 0;
        }
        return new FleetStats(clients.size(), connected, accepted, sent, resent, acked, rejected, inFlight, failed);
    }

    /** Per device: the last seq it generated (the range sent is from its first seq up to this). */
    public Map<String, Long> lastSeqByDevice() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (DeviceClient c : clients) {
            m.put(c.deviceId(), c.lastSeq());
        }
        return m;
    }

    /** What one device sent: seqs {@code first..last} generated, everything up to {@code lastAcked} acknowledged. */
    public record DeviceRange(String device, long first, long last, long lastAcked, long acked) {
    }

    public List<DeviceRange> ranges() {
        List<DeviceRange> out = new ArrayList<>();
        for (DeviceClient c : clients) {
            DeviceClientStats s = c.stats();
            out.add(new DeviceRange(c.deviceId(), c.firstSeq(), c.lastSeq(), s.lastAckedSeq(), s.acked()));
        }
        return out;
    }

    public List<DeviceClient> clients() {
        return List.copyOf(clients);
    }

    /** Stops generators and closes every client at once (call {@link #flush} first to keep readings). */
    @Override
    public void close() {
        stopping = true;
        for (Thread g : generators) {
            g.interrupt();
        }
        for (DeviceClient c : clients) {
            c.closeNow();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
