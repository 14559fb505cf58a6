package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One file per running child process under {@code <data>/pids}. If the launcher itself was
 * killed, its children (in their own sessions) live on; the next start finds them here and
 * stops them before it reuses their ports.
 */
public final class PidFiles {
    private final Path dir;

    public PidFiles(Path dataDir) {
        this.dir = dataDir.resolve("pids");
    }

    public void write(JavaProcess p) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(p.name().replaceAll("[^A-Za-z0-9_-]", "_") + ".pid"), Long.toString(p.pid()));
        } catch (IOException e) {
            throw new StackException("cannot write a pid file in " + dir, e);
        }
    }

    public void remove(JavaProcess p) {
        try {
            Files.deleteIfExists(dir.resolve(p.name().replaceAll("[^A-Za-z0-9_-]", "_") + ".pid"));
        } catch (IOException ignored) {
            // a stale pid file is harmless: the next start checks whether the process lives
        }
    }

    /** Stops processes left by an earlier launcher that did not end cleanly; returns what it found. */
    public List<String> stopLeftovers() {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pid")) {
            for (Path f : files) {
                long pid = Long.parseLong(Files.readString(f).trim());
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                if (h.isPresent() && h.get().isAlive() && h.get().info().command().orElse("").contains("java")) {
                    found.add(f.getFileName().toString().replace(".pid", "") + " (pid " + pid + ")");
                    h.get().destroy();
                    try {
                        h.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        h.get().destroyForcibly();
                    }
                }
                Files.deleteIfExists(f);
            }
        } catch (IOException | NumberFormatException e) {
            throw new StackException("cannot read the pid files in " + dir + ": " + e.getMessage(), e);
        }
        return found;
    }
}
