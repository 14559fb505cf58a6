package io.sluice.quickstart.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Reads the user's {@code config/*.properties}, applies the launcher's overrides, writes the result. */
public final class PropertiesFiles {
    private PropertiesFiles() {
    }

    public static Map<String, String> read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> m = new TreeMap<>();
        p.forEach((k, v) -> m.put(k.toString(), v.toString()));
        return m;
    }

    public static Map<String, String> merge(Map<String, String> base, Map<String, String> overrides) {
        Map<String, String> m = new LinkedHashMap<>(base);
        m.putAll(overrides);
        return m;
    }

    public static Path write(Path file, Map<String, String> values, String comment) {
        Properties p = new Properties();
        p.putAll(values);
        try {
            Files.createDirectories(file.getParent());
            try (Writer w = Files.newBufferedWriter(file)) {
                p.store(w, comment);
            }
        } catch (IOException e) {
            throw new StackException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
