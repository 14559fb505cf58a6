# Kafka Connect with both Sluice plugins, on the official Apache Kafka image.
# Build from the repository root after `./mvnw -B package -DskipTests`:
#   docker build -f docker/connect.Dockerfile -t sluice/connect .
FROM apache/kafka:4.3.1

# curl for the entrypoint's REST calls (the base image has busybox only)
USER root
RUN apk add --no-cache curl

COPY source-connector/target/sluice-source-connector-0.1.0-SNAPSHOT/ /opt/sluice/plugins/
COPY sink-connector/target/sluice-sink-connector-0.1.0-SNAPSHOT/ /opt/sluice/plugins/
COPY config/worker.properties /opt/sluice/config/worker.properties
COPY config/source-connector.properties config/sink-connector.properties /opt/sluice/connectors/
COPY docker/connect-entrypoint.sh /opt/sluice/connect-entrypoint.sh
USER appuser

# 8083: Connect REST; 7000/7001: devices (framed / line mode); 7071: peers
EXPOSE 8083 7000 7001 7071
ENTRYPOINT ["/bin/bash", "/opt/sluice/connect-entrypoint.sh"]
