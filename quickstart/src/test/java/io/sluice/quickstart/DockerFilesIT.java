package io.sluice.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.quickstart.stack.PropertiesFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked about {@code docker/} without a Docker engine: every file the images
 * copy exists after the build, the compose file has the services and no ZooKeeper, the images
 * are the Kafka version we build with, ports and topics agree with {@code config/}, the main
 * classes exist, and the entrypoint script parses. (Runs after {@code package}.)
 */
class DockerFilesIT {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode compose() throws Exception {
        return YAML.readTree(HOME.resolve("docker/compose.yaml").toFile());
    }

    @Test
    void everyCopiedPathExistsAfterTheBuild() throws Exception {
        for (String dockerfile : List.of("docker/connect.Dockerfile", "docker/app.Dockerfile")) {
            for (String src : copySources(Files.readString(HOME.resolve(dockerfile)))) {
                assertThat(HOME.resolve(src)).as("%s copies %s", dockerfile, src).exists();
            }
        }
        // the plugin folders hold one plugin directory each, as plugin.path expects
        try (var dirs = Files.list(HOME.resolve("source-connector/target/sluice-source-connector-" + version()))) {
            assertThat(dirs.filter(Files::isDirectory).toList()).hasSize(1);
        }
    }

    @Test
    void composeHasTheStackOnKraftWithTheBuiltKafkaVersion() throws Exception {
        JsonNode services = compose().path("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("kafka", "connect", "streams-app", "devices", "peer");
        assertThat(compose().toString().toLowerCase()).doesNotContain("zookeeper");
        assertThat(services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        String kafka = "apache/kafka:" + pomProperty("kafka.version");
        assertThat(services.path("kafka").path("image").asText()).isEqualTo(kafka);
        assertThat(Files.readString(HOME.resolve("docker/connect.Dockerfile"))).contains("FROM " + kafka);
    }

    @Test
    void portsAndTopicsAgreeWithTheConfigFiles() throws Exception {
        Map<String, String> source = PropertiesFiles.read(HOME.resolve("config/source-connector.properties"));
        Map<String, String> sink = PropertiesFiles.read(HOME.resolve("config/sink-connector.properties"));
        Map<String, String> worker = PropertiesFiles.read(HOME.resolve("config/worker.properties"));
        Map<String, String> streams = PropertiesFiles.read(HOME.resolve("config/streams-app.properties"));
        JsonNode services = compose().path("services");
        List<String> connectPorts = new ArrayList<>();
        services.path("connect").path("ports").forEach(p -> connectPorts.add(p.asText()));
        String restPort = worker.get("listeners").replaceAll(".*:", "");
        for (String port : List.of(source.get("listen.port"), source.get("line.listen.port"), sink.get("peer.listener.port"), restPort)) {
            assertThat(connectPorts).contains(port + ":" + port);
        }
        assertThat(services.path("devices").path("command").toString()).contains("connect:" + source.get("listen.port"));
        assertThat(services.path("peer").path("command").toString()).contains("connect:" + sink.get("peer.listener.port"))
                .contains(sink.get("topics"));
        String topicsScript = services.path("topics").path("command").toString();
        for (String topic : List.of(source.get("topic"), streams.get("input.topic"), streams.get("output.topic"),
                streams.get("late.topic"), streams.get("dead.letter.topic"), sink.get("errors.deadletterqueue.topic.name"))) {
            assertThat(topicsScript).as("topic %s is created", topic).contains(topic + ":");
        }
        assertThat(services.path("streams-app").path("command").toString())
                .contains("backpressure.downstream.group=connect-" + sink.get("name"));
    }

    @Test
    void mainClassesExistAndTheEntrypointParses() throws Exception {
        JsonNode services = compose().path("services");
        for (String s : List.of("streams-app", "devices", "peer")) {
            String main = services.path(s).path("command").get(0).asText();
            assertThat(Class.forName(main)).as("main class of %s", s).isNotNull();
        }
        Process p = new ProcessBuilder("bash", "-n", HOME.resolve("docker/connect-entrypoint.sh").toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    private static List<String> copySources(String dockerfile) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^COPY\\s+(?:--\\S+\\s+)*(.+)$").matcher(dockerfile);
        while (m.find()) {
            String[] parts = m.group(1).trim().split("\\s+");
            for (int i = 0; i < parts.length - 1; i++) {
                out.add(parts[i]);
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    private static String pomProperty(String name) throws Exception {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)<").matcher(Files.readString(HOME.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String version() throws Exception {
        Matcher m = Pattern.compile("<artifactId>sluice-parent</artifactId>\\s*<version>([^<]+)<")
                .matcher(Files.readString(HOME.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
