package io.sluice.quickstart;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the tests that start real processes on 127.0.0.1 share: free ports, clean folders, leftovers. */
final class LocalStackSupport {
    private LocalStackSupport() {
    }

    static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports.add(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
        return ports;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Processes whose command line names one of {@code folders}: none should outlive a run. */
    static List<String> processesUsing(Path... folders) {
        return ProcessHandle.allProcesses()
                .filter(h -> {
                    String cmd = h.info().commandLine().orElse("");
                    for (Path f : folders) {
                        if (cmd.contains(f.toString())) {
                            return true;
                        }
                    }
                    return false;
                })
                .map(h -> h.pid() + " " + h.info().commandLine().orElse(""))
                .toList();
    }

    /** How a {@code ./sluice} command ended: its exit code (-1 when it overran) and everything it printed. */
    record Run(int exit, String output) {
    }

    /** Runs {@code ./sluice <args>} from {@code home} without building, as a user would, within {@code timeoutMinutes}. */
    static Run sluice(Path home, List<String> args, int timeoutMinutes) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("sluice").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true);
        pb.environment().put("SLUICE_NO_BUILD", "1");
        Path log = Files.createTempFile("sluice-" + args.get(0), ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean ended = p.waitFor(timeoutMinutes, TimeUnit.MINUTES);
        if (!ended) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        return new Run(ended ? p.exitValue() : -1, Files.readString(log, StandardCharsets.UTF_8));
    }
}
