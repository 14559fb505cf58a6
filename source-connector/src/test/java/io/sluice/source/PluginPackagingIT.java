package io.sluice.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.tools.ConnectPluginPath;
import org.junit.jupiter.api.Test;

/** The packaged plugin directory (built by {@code package}) is what Kafka's own tool recognizes as a connector plugin. */
class PluginPackagingIT {

    /** The plugin directory: the assembly's "dir" format puts it one level down, target/NAME/NAME/. */
    private static Path pluginDir() {
        Path target = Path.of("target");
        try (Stream<Path> s = Files.find(target, 2, (p, a) -> a.isDirectory()
                && p.getFileName().toString().startsWith("sluice-source-connector-") && Files.exists(p.resolve("manifest.json")))) {
            return s.findFirst()
                    .orElseThrow(() -> new AssertionError("no plugin directory under target/: run package first"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void connectPluginPathListsTheConnectorFromThePluginDirectory() throws Exception {
        Path dir = pluginDir();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ConnectPluginPath.mainNoExit(new String[] {"list", "--plugin-location", dir.toAbsolutePath().toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("stderr: %s", err).isZero();
        List<String> rows = listing.lines().filter(l -> l.contains("io.sluice.source.SluiceSourceConnector")).toList();
        assertThat(rows).as(listing).isNotEmpty();
        // the service manifest makes it loadable with plugin.discovery=service_load
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("source").contains("true"));
    }

    @Test
    void thePluginHoldsNoKafkaJarsAndAFilledManifest() throws Exception {
        Path dir = pluginDir();
        try (Stream<Path> libs = Files.list(dir.resolve("lib"))) {
            List<String> names = libs.map(p -> p.getFileName().toString()).toList();
            assertThat(names).anyMatch(n -> n.startsWith("sluice-source-connector-"));
            assertThat(names).anyMatch(n -> n.startsWith("sluice-protocol-"));
            assertThat(names).anyMatch(n -> n.startsWith("netty-transport-native-epoll"));
            assertThat(names).noneMatch(n -> n.startsWith("kafka-") || n.startsWith("connect-") || n.startsWith("slf4j"));
        }
        var manifest = Json.MAPPER.readTree(dir.resolve("manifest.json").toFile());
        assertThat(manifest.get("name").asText()).isEqualTo("sluice-source-connector");
        assertThat(manifest.get("version").asText()).doesNotContain("${");
        assertThat(dir.resolve("etc/sluice-source.properties")).exists();
        assertThat(dir.resolve("doc/source-connector.md")).exists();
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("sluice-source-connector-") && n.endsWith(".zip"));
        }
    }
}
