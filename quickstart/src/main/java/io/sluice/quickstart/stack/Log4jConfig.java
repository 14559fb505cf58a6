package io.sluice.quickstart.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A log4j2 configuration per child process: INFO and above to its log file only. */
final class Log4jConfig {
    private Log4jConfig() {
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
                    <Root level="LEVEL">
                      <AppenderRef ref="out"/>
                    </Root>
                  </Loggers>
                </Configuration>
                """.replace("LEVEL", level);
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
