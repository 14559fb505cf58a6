package io.sluice.device.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.ssl.SslContext;
import io.sluice.cli.DurationConverter;
import io.sluice.cli.EndpointConverter;
import io.sluice.protocol.json.Json;
import io.sluice.protocol.tls.TlsSettings;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-devices}: a fleet of simulated devices sending seq-numbered readings with current
 * timestamps to the Sluice source. Prints a progress line every second and a final summary;
 * exits 0 only if every reading it generated was acknowledged.
 */
@Command(name = "sluice-devices", mixinStandardHelpOptions = true, versionProvider = DeviceSimulator.Version.class,
        description = "Simulated devices: send seq-numbered readings to the Sluice source connector.",
        sortOptions = false, usageHelpAutoWidth = true)
public final class DeviceSimulator implements Callable<Integer> {

    @Option(names = {"-c", "--connect"}, paramLabel = "HOST:PORT", split = ",", converter = EndpointConverter.class,
            defaultValue = "127.0.0.1:7000", description = "Source endpoints, tried in turn (default: ${DEFAULT-VALUE}).")
    List<InetSocketAddress> endpoints;

    @Option(names = {"-n", "--devices"}, defaultValue = "10", description = "Number of devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--id-prefix", defaultValue = "sim-", description = "Device id prefix; ids are prefix + 5-digit index (default: ${DEFAULT-VALUE}).")
    String idPrefix;

    @Option(names = {"-r", "--rate"}, defaultValue = "1000",
            description = "Total readings per second over all devices; 0 = as fast as acks allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = {"-d", "--duration"}, converter = DurationConverter.class,
            description = "How long to send, e.g. 30s, 5m.")
    Duration duration;

    @Option(names = "--count", defaultValue = "0", description = "Readings per device, then stop.")
    long count;

    @Option(names = {"-m", "--metrics"}, split = ",", defaultValue = "temperature,humidity",
            description = "Metric names, used in turn (default: ${DEFAULT-VALUE}).")
    List<String> metrics;

    @Option(names = "--batch", defaultValue = "500", description = "Readings per frame; 1 = one reading per frame (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--linger", converter = DurationConverter.class, defaultValue = "5ms",
            description = "How long a partial batch waits (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(names = "--max-in-flight", defaultValue = "10000", description = "Unacknowledged readings per device before sends block (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--threads", defaultValue = "1", description = "Generator threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--token", description = "Device token, the same for every simulated device.", arity = "0..1", interactive = true)
    String token;

    @Option(names = "--tls-ca", description = "PEM CA certificate: connect with TLS and trust it.")
    Path tlsCa;

    @Option(names = "--tls-cert", description = "PEM client certificate chain (mTLS).")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM PKCS#8 client key (mTLS).")
    Path tlsKey;

    @Option(names = "--no-verify-hostname", negatable = false, description = "Do not check the server certificate's name.")
    boolean noVerifyHostname;

    @Option(names = "--flush-timeout", converter = DurationConverter.class, defaultValue = "30s",
            description = "How long to wait for the last acks at the end (default: ${DEFAULT-VALUE}).")
    Duration flushTimeout;

    @Option(names = "--summary-json", description = "Also write the final summary to this JSON file.")
    Path summaryJson;

    @Option(names = "--status-file", description = "Rewrite this JSON file with the counters every second (for dashboards).")
    Path statusFile;

    @Option(names = {"-q", "--quiet"}, description = "No progress line.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;

    public DeviceSimulator() {
        this(System.out);
    }

    DeviceSimulator(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DeviceSimulator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (duration == null && count <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --duration or --count");
        }
        SslContext ssl = null;
        if (tlsCa != null) {
            ssl = new TlsSettings(tlsCert, tlsKey, null, null, null, tlsCa, null, null, null, !noVerifyHostname).clientContext();
        }
        DeviceFleet.Settings s = new DeviceFleet.Settings(endpoints, devices, idPrefix, rate, count, duration, metrics,
                batch, linger, Math.max(maxInFlight, batch), token == null ? "" : token, ssl, threads);
        long t0 = System.nanoTime();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try (DeviceFleet fleet = DeviceFleet.start(s)) {
            // SIGTERM / Ctrl-C: stop generating, then let the main thread flush and write the summary
            Thread hook = new Thread(() -> {
                fleet.stopGenerating();
                try {
                    done.await(flushTimeout.toSeconds() + 10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-devices-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return run(fleet, t0);
            } finally {
                done.countDown();
            }
        }
    }

    private int run(DeviceFleet fleet, long t0) throws Exception {
        {
            long lastAccepted = 0;
            long lastTick = t0;
            while (!fleet.awaitGenerated(Duration.ofSeconds(1))) {
                long now = System.nanoTime();
                DeviceFleet.FleetStats st = fleet.stats();
                if (!quiet) {
                    double r = (st.accepted() - lastAccepted) / ((now - lastTick) / 1e9);
                    out.println(progress(st, r, (now - t0) / 1e9));
                }
                lastAccepted = st.accepted();
                lastTick = now;
                if (statusFile != null) {
                    writeAtomically(statusFile, summary(st, fleet, (now - t0) / 1e9, false));
                }
                if (st.failedDevices() == st.devices()) {
                    break;
                }
            }
            boolean flushed = fleet.flush(flushTimeout);
            DeviceFleet.FleetStats st = fleet.stats();
            double secs = (System.nanoTime() - t0) / 1e9;
            out.println(String.format(Locale.ROOT,
                    "done in %.1f s: devices %d, generated %d, acked %d, rejected %d, resent %d, unacknowledged %d, failed devices %d%s",
                    secs, st.devices(), st.accepted(), st.acked(), st.rejected(), st.resent(), st.inFlight(),
                    st.failedDevices(), flushed ? "" : " (flush timed out)"));
            ObjectNode summary = summary(st, fleet, secs, true);
            if (summaryJson != null) {
                writeAtomically(summaryJson, summary);
            }
            if (statusFile != null) {
                writeAtomically(statusFile, summary);
            }
            return flushed && st.inFlight() == 0 && st.failedDevices() == 0 ? 0 : 1;
        }
    }

    private static ObjectNode summary(DeviceFleet.FleetStats st, DeviceFleet fleet, double secs, boolean done) {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("done", done);
        j.put("devices", st.devices());
        j.put("connected", st.connected());
        j.put("generated", st.accepted());
        j.put("sent", st.sent());
        j.put("acked", st.acked());
        j.put("rejected", st.rejected());
        j.put("resent", st.resent());
        j.put("unacknowledged", st.inFlight());
        j.put("failed_devices", st.failedDevices());
        j.put("seconds", secs);
        if (done) {
            ObjectNode last = j.putObject("last_seq");
            fleet.lastSeqByDevice().forEach(last::put);
            ObjectNode per = j.putObject("per_device");
            for (DeviceFleet.DeviceRange r : fleet.ranges()) {
                ObjectNode d = per.putObject(r.device());
                d.put("first_seq", r.first());
                d.put("last_seq", r.last());
                d.put("last_acked_seq", r.lastAcked());
                d.put("acked", r.acked());
            }
        }
        return j;
    }

    private static void writeAtomically(Path file, ObjectNode json) throws java.io.IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String progress(DeviceFleet.FleetStats st, double rate, double seconds) {
        return String.format(Locale.ROOT,
                "%6.1fs  connected %d/%d  generated %d  acked %d  in-flight %d  resent %d  rejected %d  %.0f/s",
                seconds, st.connected(), st.devices(), st.accepted(), st.acked(), st.inFlight(), st.resent(), st.rejected(),
                rate);
    }

    /** The version of Sluice, from the build. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice-devices " + io.sluice.protocol.SluiceVersion.get()};
        }
    }
}
