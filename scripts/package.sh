#!/usr/bin/env bash
# make package: `sam build` of every function for arm64 (provided.al2023) with cargo-lambda,
# cross-compiling with zig; then prints each bootstrap's size.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=$PWD/.local
CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
BUILD_VENV=$LOCAL/venv-build
STAMP=$BUILD_VENV/.version-cargo-lambda$CARGO_LAMBDA_VERSION-zig$ZIGLANG_VERSION
if [ ! -f "$STAMP" ]; then
  echo "[package] installing cargo-lambda==$CARGO_LAMBDA_VERSION and ziglang==$ZIGLANG_VERSION into .local/venv-build"
  rm -rf "$BUILD_VENV"
  python3 -m venv "$BUILD_VENV"
  "$BUILD_VENV/bin/pip" install -q --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION"
  touch "$STAMP"
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null
# cargo-lambda (cargo-zigbuild) runs zig as `python3 -m ziglang` from this venv when no zig is on PATH.
export PATH=$BUILD_VENV/bin:$PATH
export SAM_CLI_TELEMETRY=0
"$LOCAL/venv-sam/bin/sam" build --template-file infra/template.yaml --beta-features
echo
echo "bootstrap sizes (arm64, release):"
for d in .aws-sam/build/*Function; do
  [ -f "$d/bootstrap" ] && printf '  %-32s %8s KiB\n' "$(basename "$d")" "$(( $(stat -c %s "$d/bootstrap") / 1024 ))"
done
