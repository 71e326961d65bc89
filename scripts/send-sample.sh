#!/usr/bin/env bash
# Sends an events/ sample to the local stack's Invoke API, stamped with the current time, so the
# README walk-through works on any day (the files keep fixed times for `sam local invoke`).
#   scripts/send-sample.sh call      # events/call-completed.json -> IngestCallFunction
#   scripts/send-sample.sh booking   # events/job-booked.json     -> IngestBookingFunction
# Extra arguments are detail fields to override, e.g. scl_lead_id=01J... or call_id=call-2.
set -euo pipefail
cd "$(dirname "$0")/.."
INVOKE=${SCL_INVOKE_URL:-http://127.0.0.1:3001}
kind=${1:-}
shift || true
case "$kind" in
  call) file=events/call-completed.json; function=IngestCallFunction ;;
  booking) file=events/job-booked.json; function=IngestBookingFunction ;;
  *) echo "usage: $0 call|booking [field=value ...]" >&2; exit 2 ;;
esac
python3 - "$file" "$@" <<'PY' | curl -s -X POST "$INVOKE/2015-03-31/functions/$function/invocations" -d @-
import json, sys, datetime as dt
event = json.load(open(sys.argv[1]))
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
d = event["detail"]
event["time"] = stamp(now)
if "started_at" in d:
    # The call ended a minute ago and lasted as long as the sample says.
    d["ended_at"] = stamp(now - dt.timedelta(minutes=1))
    d["started_at"] = stamp(now - dt.timedelta(minutes=1, seconds=d["duration_seconds"]))
if "booked_at" in d:
    d["booked_at"] = stamp(now)
for arg in sys.argv[2:]:
    key, _, value = arg.partition("=")
    d[key] = value
print(json.dumps(event))
PY
echo
