package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A log4j2 configuration per child process: INFO and above to its log file only. The environment
 * variable {@code SLUICE_DEBUG_LOGGERS} (comma-separated logger names, for example
 * {@code io.sluice.sink}) turns those to DEBUG in every process the launcher starts.
 */
final class Log4jConfig {
    private Log4jConfig() {
    }

    static String debugLoggers(String names) {
        StringBuilder b = new StringBuilder();
        if (names != null) {
            for (String n : names.split(",")) {
                if (n.trim().matches("[A-Za-z0-9_.$]+")) {
                    b.append("    <Logger name=\"").append(n.trim()).append("\" level=\"DEBUG\"/>");
                }
            }
        }
        return b.toString();
    }

    static Path write(Path dir, String name, String level) {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <Configuration status="WARN">
                  <Appenders>
                    <Console name="out" target="SYSTEM_OUT">
                      <PatternLayout pattern="%d{ISO8601} %-5level [%t] %c{1.} - %msg%n"/>
                    </Console>
                  </Appenders>
                  <Loggers>
                    <Logger name="org.apache.kafka.clients" level="WARN"/>
                    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
                    <Logger name="org.reflections" level="ERROR"/>
                DEBUG_LOGGERS
                    <Root level="LEVEL">
                      <AppenderRef ref="out"/>
                    </Root>
                  </Loggers>
                </Configuration>
                """.replace("LEVEL", level).replace("DEBUG_LOGGERS", debugLoggers(System.getenv("SLUICE_DEBUG_LOGGERS")));
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve("log4j2-" + name + ".xml");
            Files.writeString(f, xml);
            return f;
        } catch (IOException e) {
            throw new StackException("cannot write a log4j2 configuration in " + dir, e);
        }
    }
}
