package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where things are: the repository (config files, built plugins and classpaths) and the data
 * folder the launcher owns (broker storage, state, logs, outputs).
 */
public record StackLayout(Path home, Path dataDir) {

    public Path config(String file) {
        Path p = home.resolve("config").resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new StackException("missing " + p + " (run from a Sluice checkout, or give --home)");
        }
        return p;
    }

    /** Classpath file written by the quickstart module's build. */
    public String classpath(String file) {
        Path p = home.resolve("quickstart/target").resolve(file);
        try {
            String cp = Files.readString(p).trim();
            Path jar = home.resolve("quickstart/target/classes");
            return jar + java.io.File.pathSeparator + cp;
        } catch (IOException e) {
            throw new StackException("missing " + p + ": build first (./sluice quickstart builds it)", e);
        }
    }

    /** The folder that holds a connector's unpacked plugin directory (for plugin.path). */
    public Path pluginFolder(String module) {
        Path target = home.resolve(module).resolve("target");
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(Files::isDirectory)
                    .filter(d -> d.getFileName().toString().startsWith("sluice-" + module + "-"))
                    .findFirst()
                    .orElseThrow(() -> new StackException("no built plugin in " + target + ": build first"));
        } catch (IOException e) {
            throw new StackException("no built plugin in " + target + ": build first", e);
        }
    }

    public Path logs() {
        return dataDir.resolve("logs");
    }
}
