package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Sluice processes that are not Kafka's: the Streams app, the device simulator and the peer CLI. */
public final class AppProcesses {
    public static final String STREAMS_MAIN = "io.sluice.streams.Main";
    public static final String DEVICES_MAIN = "io.sluice.device.sim.DeviceSimulator";
    public static final String PEER_MAIN = "io.sluice.peer.cli.PeerCli";

    private AppProcesses() {
    }

    public static JavaProcess streams(StackLayout layout, String classpath, Path config, Map<String, String> overrides,
            int jmxPort) throws IOException {
        List<String> args = new ArrayList<>(List.of("--config", config.toString()));
        overrides.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        Path log4j = Log4jConfig.write(layout.dataDir().resolve("etc"), "streams", "INFO");
        return JavaProcess.start(new JavaProcess.Spec("streams-app", classpath, STREAMS_MAIN,
                Jmx.options(jmxPort, List.of("-Xmx512m", "-Dlog4j2.configurationFile=" + log4j)), args,
                layout.logs().resolve("streams-app.log"), layout.dataDir()));
    }

    public static JavaProcess devices(StackLayout layout, String classpath, List<String> args) throws IOException {
        Path log4j = Log4jConfig.write(layout.dataDir().resolve("etc"), "devices", "WARN");
        return JavaProcess.start(new JavaProcess.Spec("devices", classpath, DEVICES_MAIN,
                List.of("-Xmx384m", "-Dlog4j2.configurationFile=" + log4j), args, layout.logs().resolve("devices.log"),
                layout.dataDir()));
    }

    public static JavaProcess peer(StackLayout layout, String classpath, List<String> args) throws IOException {
        Path log4j = Log4jConfig.write(layout.dataDir().resolve("etc"), "peer", "WARN");
        return JavaProcess.start(new JavaProcess.Spec("peer", classpath, PEER_MAIN,
                List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + log4j), args, layout.logs().resolve("peer.log"),
                layout.dataDir()));
    }
}
