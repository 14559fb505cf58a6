package io.sluice.quickstart.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JVM of the local stack, started from a classpath file, with its output in a log file.
 * Started in its own session ({@code setsid}) so a Ctrl-C in the terminal reaches only the
 * launcher, which then stops the processes in order. {@link #stop} sends SIGTERM and waits;
 * only a process that ignores it is killed.
 */
public final class JavaProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JavaProcess.class);

    private final String name;
    private final Process process;
    private final Path logFile;

    private JavaProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /** What to start. */
    public record Spec(String name, String classpath, String mainClass, List<String> jvmOptions, List<String> args,
            Path logFile, Path workDir) {
    }

    public static JavaProcess start(Spec spec) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(spec.jvmOptions());
        cmd.add("-cp");
        cmd.add(spec.classpath());
        cmd.add(spec.mainClass());
        cmd.addAll(spec.args());
        Files.createDirectories(spec.logFile().getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(spec.workDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        log.info("started {} (pid {}), log {}", spec.name(), p.pid(), spec.logFile());
        return new JavaProcess(spec.name(), p, spec.logFile());
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    public Process process() {
        return process;
    }

    /** The last lines of the log, for error messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Waits for the process to end by itself; its exit code, or -1 on timeout. */
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL. Returns true if it ended on SIGTERM. */
    public boolean stop(Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        long t0 = System.nanoTime();
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.info("stopped {} in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.warn("{} did not stop within {} s of SIGTERM: killing it", name, grace.toSeconds());
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** {@code kill -9}: for fault injection. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** {@code kill -STOP} / {@code kill -CONT}: for fault injection. */
    public void signal(String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(20));
    }
}
