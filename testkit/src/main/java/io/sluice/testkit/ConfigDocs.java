package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * Renders a {@link ConfigDef} as a Markdown reference, so the docs under {@code docs/config/}
 * come from the code and are never written twice. {@link #assertUpToDate} is called from one
 * test per module: it fails when the checked-in file differs, and rewrites it when run with
 * {@code -Dsluice.docs.update=true}.
 */
public final class ConfigDocs {
    public static final String UPDATE_PROPERTY = "sluice.docs.update";

    private ConfigDocs() {
    }

    public static String markdown(String title, String intro, ConfigDef def) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(title).append("\n\n");
        b.append("<!-- Generated from the ConfigDef by ConfigDocs; do not edit. Regenerate with: ")
                .append("./mvnw -pl <module> test -Dsluice.docs.update=true -->\n\n");
        if (intro != null && !intro.isBlank()) {
            b.append(intro.strip()).append("\n\n");
        }
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (String g : def.groups()) {
            byGroup.put(g, new ArrayList<>());
        }
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            byGroup.computeIfAbsent(k.group == null ? "Other" : k.group, g -> new ArrayList<>()).add(k);
        }
        for (Map.Entry<String, List<ConfigDef.ConfigKey>> e : byGroup.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            e.getValue().sort((x, y) -> Integer.compare(x.orderInGroup, y.orderInGroup));
            b.append("## ").append(e.getKey()).append("\n\n");
            b.append("| Key | Type | Default | Valid values | Importance | Description |\n");
            b.append("| --- | --- | --- | --- | --- | --- |\n");
            for (ConfigDef.ConfigKey k : e.getValue()) {
                b.append("| `").append(k.name).append("` | ")
                        .append(k.type.toString().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                        .append(cell(defaultOf(k))).append(" | ")
                        .append(cell(k.validator == null ? "" : k.validator.toString())).append(" | ")
                        .append(k.importance.toString().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                        .append(cell(k.documentation)).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey k) {
        if (!k.hasDefault()) {
            return "(required)";
        }
        Object d = k.defaultValue;
        if (d == null) {
            return "null";
        }
        if (d instanceof Password) {
            return "[hidden]";
        }
        if (d instanceof List<?> l) {
            return l.isEmpty() ? "\"\"" : String.join(",", l.stream().map(String::valueOf).toList());
        }
        String s = String.valueOf(d);
        return s.isEmpty() ? "\"\"" : s;
    }

    private static String cell(String s) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        return s.replace("|", "\\|").replace("\n", " ");
    }

    /**
     * Compares {@code file} with the rendered reference; rewrites it instead when
     * {@code -Dsluice.docs.update=true}.
     */
    public static void assertUpToDate(Path file, String rendered) {
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, rendered);
                return;
            }
            assertThat(file).as("%s is missing; generate it with -D%s=true", file, UPDATE_PROPERTY).exists();
            assertThat(Files.readString(file))
                    .as("%s is stale: regenerate it with -D%s=true and commit it", file, UPDATE_PROPERTY)
                    .isEqualTo(rendered);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository root, found from a module's working directory (where {@code mvnw} is). */
    public static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
