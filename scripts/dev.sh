#!/usr/bin/env bash
# make dev: emulators on the contract ports, then the local stack in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'scripts/emulators.sh stop' EXIT
scripts/emulators.sh start 8000 5000
SCL_ROOT=$PWD target/debug/scl-local
