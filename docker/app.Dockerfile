# The Sluice processes that are not Kafka's: the Streams app, the device simulator and the peer
# CLI share one image; the compose file picks the main class.
# Build from the repository root after `./mvnw -B package -DskipTests`:
#   docker build -f docker/app.Dockerfile -t sluice/app .
FROM eclipse-temurin:17-jre

COPY quickstart/target/app-lib/ /opt/sluice/lib/
COPY config/streams-app.properties /opt/sluice/config/streams-app.properties
COPY config/streams-app-log4j2.xml /opt/sluice/config/streams-app-log4j2.xml

WORKDIR /opt/sluice
ENTRYPOINT ["java", "-cp", "/opt/sluice/lib/*", "-Dlog4j2.configurationFile=/opt/sluice/config/streams-app-log4j2.xml"]
CMD ["io.sluice.streams.Main", "--config", "/opt/sluice/config/streams-app.properties"]
