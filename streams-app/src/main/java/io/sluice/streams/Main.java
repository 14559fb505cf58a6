package io.sluice.streams;

import io.sluice.streams.config.StreamsAppConfig;
import io.sluice.streams.startup.StartupCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice-streams-app --config config/streams-app.properties}: runs until SIGTERM/SIGINT. */
@Command(name = "sluice-streams-app", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Aggregates device readings in windows (Kafka Streams) with backpressure.")
public final class Main implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Properties file (see config/streams-app.properties).")
    Path config;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
            description = "Overrides one setting of the file (repeatable).")
    Map<String, String> overrides = new HashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> props = load(config);
        props.putAll(overrides);
        List<String> errors = StreamsAppConfig.validate(props);
        if (!errors.isEmpty()) {
            System.err.println("Invalid configuration in " + config + ":");
            errors.forEach(e -> System.err.println("  - " + e));
            return 2;
        }
        StreamsAppConfig appConfig = new StreamsAppConfig(props);
        // the brokers answer and the topics exist before Kafka Streams starts: one sentence per problem, not retries for ever
        StartupCheck.Outcome check = new StartupCheck(appConfig).run();
        if (check.exitCode() != 0) {
            check.problems().forEach(System.err::println);
            return check.exitCode();
        }
        StreamsApp app = new StreamsApp(appConfig);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM / SIGINT: commit, close the stores, leave the group, then let the JVM exit
            app.close();
            closed.countDown();
        }, "sluice-shutdown"));
        app.start();
        app.awaitTermination();
        if (app.failed()) {
            System.err.println("Kafka Streams stopped with an error (see the log)");
            app.close();
            return 1;
        }
        closed.await();
        return 0;
    }

    static Map<String, String> load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
        return m;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sluice-streams-app " + io.sluice.protocol.SluiceVersion.get()};
        }
    }
}
