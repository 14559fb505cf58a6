package io.sluice.quickstart.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A Kafka Connect worker in distributed mode ({@code ConnectDistributed}) with the Sluice plugin
 * directories on {@code plugin.path}, and the REST calls the launcher needs: wait until the
 * plugins are listed, deploy a connector from a properties file, read its status.
 */
public final class ConnectWorker {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String url;

    public ConnectWorker(String url) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public record Settings(Path dataDir, int restPort, String bootstrapServers, Path baseProperties, Path pluginPath,
            String classpath, String heap, int jmxPort) {
    }

    public static JavaProcess start(Settings s) throws IOException, InterruptedException {
        Ports.requireFree(s.restPort(), "Kafka Connect REST");
        Map<String, String> props = PropertiesFiles.merge(PropertiesFiles.read(s.baseProperties()), Map.of(
                "bootstrap.servers", s.bootstrapServers(),
                "listeners", "http://127.0.0.1:" + s.restPort(),
                "rest.advertised.host.name", "127.0.0.1",
                "rest.advertised.port", Integer.toString(s.restPort()),
                "plugin.path", s.pluginPath().toAbsolutePath().toString()));
        Path workerProps = PropertiesFiles.write(s.dataDir().resolve("etc/worker.properties"), props,
                "generated from " + s.baseProperties() + " by the Sluice quickstart");
        Path log4j = Log4jConfig.write(s.dataDir().resolve("etc"), "connect", "INFO");
        JavaProcess worker = JavaProcess.start(new JavaProcess.Spec("connect", s.classpath(),
                "org.apache.kafka.connect.cli.ConnectDistributed",
                Jmx.options(s.jmxPort(), List.of("-Xmx" + s.heap(), "-Dlog4j2.configurationFile=" + log4j)),
                List.of(workerProps.toString()), s.dataDir().resolve("logs/connect.log"), s.dataDir()));
        Ports.awaitOpen(s.restPort(), worker, Duration.ofSeconds(90));
        return worker;
    }

    public String url() {
        return url;
    }

    /** Waits until the worker lists every plugin class in {@code classes}. */
    public void awaitPlugins(List<String> classes, JavaProcess worker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (worker != null && !worker.isAlive()) {
                throw new StackException("the Connect worker exited:\n" + worker.tail(20));
            }
            try {
                HttpResponse<String> r = get("/connector-plugins?connectorsOnly=true");
                last = r.body();
                if (r.statusCode() == 200 && classes.stream().allMatch(last::contains)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new StackException("the Connect worker at " + url + " does not list " + classes + " (plugin.path wrong?); it lists: " + last);
    }

    /** PUT /connectors/{name}/config with the properties of {@code file} (minus {@code name}) plus overrides. */
    public void deploy(Path file, Map<String, String> overrides) throws IOException, InterruptedException {
        Map<String, String> config = PropertiesFiles.merge(PropertiesFiles.read(file), overrides);
        String name = config.remove("name");
        if (name == null) {
            throw new StackException(file + " has no 'name'");
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/config"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(config))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new StackException("Connect refused connector " + name + " from " + file + " (HTTP " + r.statusCode() + "): "
                    + r.body());
        }
    }

    /** PUT /connectors/{name}/config with {@code config}. */
    public void deploy(String name, Map<String, String> config) throws IOException, InterruptedException {
        HttpResponse<String> r = send("PUT", "/connectors/" + name + "/config", Json.MAPPER.writeValueAsString(config));
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new StackException("Connect refused connector " + name + " (HTTP " + r.statusCode() + "): " + r.body());
        }
    }

    /** PUT /connectors/{name}/pause, then waits until the connector and its tasks are PAUSED. */
    public void pause(String name, Duration timeout) throws IOException, InterruptedException {
        expect2xx(send("PUT", "/connectors/" + name + "/pause", null), "pause " + name);
        awaitState(name, "PAUSED", timeout);
    }

    /** PUT /connectors/{name}/resume (does not wait). */
    public void resume(String name) throws IOException, InterruptedException {
        expect2xx(send("PUT", "/connectors/" + name + "/resume", null), "resume " + name);
    }

    /** DELETE /connectors/{name}. */
    public void delete(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send("DELETE", "/connectors/" + name, null);
        if (r.statusCode() != 204 && r.statusCode() != 200 && r.statusCode() != 404) {
            throw new StackException("Connect did not delete " + name + " (HTTP " + r.statusCode() + "): " + r.body());
        }
    }

    /** POST {@code path} with no body. */
    public HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send("POST", path, null);
    }

    private HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expect2xx(HttpResponse<String> r, String what) {
        if (r.statusCode() / 100 != 2) {
            throw new StackException(what + " failed (HTTP " + r.statusCode() + "): " + r.body());
        }
    }

    /** Waits until the connector and all its tasks are RUNNING; a FAILED task ends the wait with its trace. */
    public void awaitRunning(String name, Duration timeout) throws InterruptedException {
        awaitState(name, "RUNNING", timeout);
    }

    /** Waits until the connector and all its tasks are in {@code wanted}; a FAILED task ends the wait with its trace. */
    public void awaitState(String name, String wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get("/connectors/" + name + "/status");
                last = r.body();
                if (r.statusCode() == 200) {
                    JsonNode s = Json.MAPPER.readTree(last);
                    boolean connectorUp = wanted.equals(s.path("connector").path("state").asText());
                    JsonNode tasks = s.path("tasks");
                    boolean tasksUp = tasks.size() > 0;
                    for (JsonNode t : tasks) {
                        String state = t.path("state").asText();
                        if ("FAILED".equals(state)) {
                            throw new StackException("connector " + name + " task " + t.path("id").asInt() + " FAILED:\n"
                                    + t.path("trace").asText());
                        }
                        tasksUp &= wanted.equals(state);
                    }
                    if (connectorUp && tasksUp) {
                        return;
                    }
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new StackException("connector " + name + " is not " + wanted + " after " + timeout.toSeconds() + " s: " + last);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
