#!/bin/bash
# Starts a distributed Connect worker from config/worker.properties (bootstrap servers and the
# plugin path set for the container), then creates or updates the two Sluice connectors from
# their properties files through the REST API.
set -euo pipefail
bootstrap="${SLUICE_BOOTSTRAP_SERVERS:-kafka:9092}"
work=/tmp/sluice
mkdir -p "$work"
sed -e "s#^bootstrap.servers=.*#bootstrap.servers=${bootstrap}#" \
    -e "s#^listeners=.*#listeners=http://0.0.0.0:8083#" \
    -e "s#^plugin.path=.*#plugin.path=/opt/sluice/plugins#" \
    /opt/sluice/config/worker.properties > "$work/worker.properties"
echo "rest.advertised.host.name=${HOSTNAME}" >> "$work/worker.properties"

/opt/kafka/bin/connect-distributed.sh "$work/worker.properties" &
worker=$!
trap 'kill -TERM $worker; wait $worker' TERM INT

until curl -fs http://127.0.0.1:8083/connector-plugins >/dev/null 2>&1; do
  kill -0 $worker 2>/dev/null || exit 1
  sleep 1
done

# properties -> JSON (keys and values are plain: no quotes or backslashes in Sluice configs)
to_json() {
  grep -v '^[[:space:]]*#' "$1" | grep '=' | grep -v '^name=' |
    sed -e "s#^kafka.bootstrap.servers=.*#kafka.bootstrap.servers=${bootstrap}#" |
    awk -F= 'BEGIN{printf "{"} {k=$1; $1=""; v=substr($0,2); printf "%s\"%s\":\"%s\"", (NR>1?",":""), k, v} END{printf "}"}'
}
for f in /opt/sluice/connectors/*.properties; do
  name=$(sed -n 's/^name=//p' "$f")
  to_json "$f" > "$work/$name.json"
  curl -fsS -X PUT -H 'Content-Type: application/json' --data @"$work/$name.json" \
    "http://127.0.0.1:8083/connectors/$name/config" >/dev/null && echo "deployed connector $name"
done
wait $worker
