package io.sluice.peer.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.cli.DurationConverter;
import io.sluice.cli.EndpointConverter;
import io.sluice.peer.AckMode;
import io.sluice.peer.PeerClient;
import io.sluice.peer.PeerClientConfig;
import io.sluice.peer.PeerClientListener;
import io.sluice.peer.PeerClientStats;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.frame.DeliveredRecord;
import io.sluice.protocol.json.Json;
import io.sluice.protocol.tls.TlsSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-peer}: subscribes to a Sluice sink and prints every record as one JSON line
 * (NDJSON), or appends them to a file with a progress line on stderr. With {@code --name} and
 * {@code --cursor-file} it resumes after the last record it wrote, across restarts.
 */
@Command(name = "sluice-peer", mixinStandardHelpOptions = true, versionProvider = PeerCli.Version.class,
        description = "Subscribe to a Sluice sink connector and print the records as NDJSON (or write them to a file).")
public final class PeerCli implements Callable<Integer> {

    @Option(names = {"-c", "--connect"}, paramLabel = "HOST:PORT", converter = EndpointConverter.class,
            description = "Sink task endpoint (repeatable; the others are found through the first).")
    List<InetSocketAddress> connect = new ArrayList<>();

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = EndpointConverter.class,
            description = "Accept connections from sink tasks in dial mode on this address.")
    InetSocketAddress listen;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", description = "Topic to subscribe to (repeatable).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--pattern", paramLabel = "REGEX", description = "Topic regular expression (repeatable).")
    List<String> patterns = new ArrayList<>();

    @Option(names = "--device", paramLabel = "GLOB", description = "Only these devices (* and ?; repeatable).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--metric", paramLabel = "GLOB", description = "Only these metrics (* and ?; repeatable).")
    List<String> metrics = new ArrayList<>();

    @Option(names = {"-n", "--name"}, description = "Durable peer name: at-least-once delivery, resumable. "
            + "Without it the peer is live-only.")
    String name = "";

    @Option(names = "--token", description = "Peer token, if the sink requires one.")
    String token = "";

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Append records to this file instead of stdout.")
    Path out;

    @Option(names = "--cursor-file", paramLabel = "FILE",
            description = "Where to keep the last written offsets, to resume after a restart (durable peers).")
    Path cursorFile;

    @Option(names = "--max-records", description = "Stop after this many records (0 = no limit).")
    long maxRecords;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (e.g. 30s).")
    Duration duration;

    @Option(names = "--progress", converter = DurationConverter.class, defaultValue = "1s",
            description = "Progress line interval on stderr (0s = none; default ${DEFAULT-VALUE}, shown only with --out).")
    Duration progress;

    @Option(names = "--tls", description = "Connect with TLS.")
    boolean tls;

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA certificates to trust (default: the JDK's).")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Client certificate chain, for mTLS.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Client private key (PKCS#8), for mTLS.")
    Path tlsKey;

    @Option(names = "--no-hostname-check", description = "Do not check the sink certificate names the host dialled.")
    boolean noHostnameCheck;

    @Option(names = "--files", paramLabel = "DIR", description = "Write the files the sink delivers (its files.topics) to "
            + "this folder; one line per finished file on stderr.")
    Path filesDir;

    @Option(names = "--files-allow-dirs", description = "Keep the directories of device-given file names under --files.")
    boolean filesAllowDirs;

    @Option(names = "--max-files", description = "With --files: stop after this many files were written (0 = no limit).")
    long maxFiles;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream stdout;
    private final PrintStream stderr;

    public PeerCli() {
        this(System.out, System.err);
    }

    PeerCli(PrintStream stdout, PrintStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit code (0 done, 1 failed, 2 bad usage). */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        CommandLine cl = new CommandLine(new PeerCli(stdout, stderr));
        cl.setOut(new java.io.PrintWriter(stdout, true));
        cl.setErr(new java.io.PrintWriter(stderr, true));
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (connect.isEmpty() && listen == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --connect HOST:PORT or --listen HOST:PORT");
        }
        if (topics.isEmpty() && patterns.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --topic or --pattern");
        }
        List<Cursor> resume = cursorFile != null && Files.exists(cursorFile) ? readCursors(cursorFile) : List.of();
        PeerClientConfig.Builder b = PeerClientConfig.builder().endpoints(connect).listen(listen).peerName(name).token(token)
                .topics(topics.toArray(String[]::new)).topicPatterns(patterns.toArray(String[]::new))
                .devices(devices.toArray(String[]::new)).metrics(metrics.toArray(String[]::new))
                .resumeFrom(resume).ackMode(AckMode.MANUAL)
                .listener(new PeerClientListener() {
                    @Override
                    public void failed(Throwable cause) {
                        stderr.println("sluice-peer: " + cause.getMessage());
                    }
                });
        if (filesDir != null) {
            b.filesFolder(filesDir).filesAllowDirectories(filesAllowDirs).fileListener(new io.sluice.file.FileReceivedListener() {
                @Override
                public void received(io.sluice.file.ReceivedFile f) {
                    stderr.println("file " + f.device() + "/" + f.fileId() + " (" + f.size() + " bytes, sha256 " + f.sha256Hex()
                            + ") -> " + f.path());
                }

                @Override
                public void failed(String device, String fileId, String fileName, String reason) {
                    stderr.println("file " + device + "/" + fileId + " failed: " + reason);
                }
            });
        }
        if (tls) {
            TlsSettings s = TlsSettings.pem(tlsCert, tlsKey, tlsCa).withVerifyHostname(!noHostnameCheck);
            b.ssl(s.clientContext());
        }
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        boolean showProgress = out != null && !progress.isZero();
        long written = 0;
        long started = System.nanoTime();
        long lastProgress = started;
        long lastWritten = 0;
        java.util.Map<PeerClient.Part, Long> unflushed = new java.util.HashMap<>();
        try (PeerClient client = PeerClient.start(b.build()); Writer w = writer()) {
            while (System.nanoTime() < deadline && (maxRecords <= 0 || written < maxRecords)
                    && (maxFiles <= 0 || client.fileStats().filesCompleted() < maxFiles)) {
                DeliveredRecord r = client.poll(Duration.ofMillis(200));
                if (r != null) {
                    w.write(Json.MAPPER.writeValueAsString(r));
                    w.write('\n');
                    written++;
                    // acked only once flushed: a record is processed when it is in the output
                    unflushed.put(new PeerClient.Part(r.topic(), r.partition()), r.offset());
                    if (unflushed.size() >= 1000 || written % 1000 == 0) {
                        flush(w, client, unflushed);
                    }
                } else {
                    flush(w, client, unflushed);
                }
                long now = System.nanoTime();
                if (showProgress && now - lastProgress >= progress.toNanos()) {
                    flush(w, client, unflushed);
                    printProgress(client.stats(), written, (written - lastWritten) * 1e9 / (now - lastProgress));
                    lastProgress = now;
                    lastWritten = written;
                }
            }
            flush(w, client, unflushed);
            if (showProgress) {
                printProgress(client.stats(), written, written * 1e9 / Math.max(1, System.nanoTime() - started));
                stderr.println();
            }
        } catch (IllegalStateException e) {
            stderr.println("sluice-peer: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private void flush(Writer w, PeerClient client, java.util.Map<PeerClient.Part, Long> unflushed) throws IOException {
        w.flush();
        unflushed.forEach((p, o) -> client.ack(new Cursor(p.topic(), p.partition(), o)));
        unflushed.clear();
        saveCursors(client);
    }

    private Writer writer() throws IOException {
        if (out == null) {
            return new BufferedWriter(new OutputStreamWriter(new java.io.FilterOutputStream(stdout) {
                @Override
                public void close() throws IOException {
                    flush(); // never close stdout
                }
            }, StandardCharsets.UTF_8), 1 << 16);
        }
        dropPartialLastLine(out);
        return Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * A peer killed while writing leaves half a line at the end of its output. That record was not
     * acknowledged (acks follow whole flushed lines), so it comes again; the half line is cut so
     * the record that follows does not land on the same line.
     */
    static void dropPartialLastLine(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < size) {
                ch.truncate(keep);
            }
        }
    }

    private void printProgress(PeerClientStats s, long written, double rate) {
        stderr.printf("\rrecords %d  (%.0f/s)  duplicates dropped %d  connections %d  buffered %d   ", written, rate,
                s.duplicates(), s.connected(), s.buffered());
        stderr.flush();
    }

    private void saveCursors(PeerClient client) throws IOException {
        if (cursorFile == null || name.isEmpty()) {
            return;
        }
        Path tmp = cursorFile.resolveSibling(cursorFile.getFileName() + ".tmp");
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(client.cursors()));
        Files.move(tmp, cursorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static List<Cursor> readCursors(Path file) throws IOException {
        return Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<List<Cursor>>() {
        });
    }

    /** The version from the build. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice-peer " + io.sluice.protocol.SluiceVersion.get()};
        }
    }
}
