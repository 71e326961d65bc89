# The two commands: `make dev` and `make test`. Everything they need is installed into
# .local/ (ignored) by scripts/tools.sh on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# make test uses its own emulator ports so it can run beside `make dev`.
TEST_DDB_PORT ?= 18000
TEST_MOTO_PORT ?= 15000
export CARGO_TERM_COLOR ?= never
# Every Lambda function's package (one crate per function under functions/).
FUNCTION_PACKAGES := $(notdir $(wildcard functions/*))

.PHONY: help preflight tools web web-check bench-console dev test chaos fuzz package bench simulate release-functions train eval detection-eval fmt-check clippy build lint-template unit integration emulators-stop

help:
	@echo "make dev   - install what is missing, run the whole local stack (foreground)"
	@echo "make test  - install what is missing, start emulators, run every check and test"
	@echo "make package - sam build of every function for arm64 (cargo-lambda + zig), with sizes"
	@echo "make bench - latency, cold start and memory of the real binaries on the local stack,"
	@echo "             and the detector's scoring and the read path's CPU (criterion, release build)"
	@echo "make simulate - the pipeline with 300 businesses, extrapolated to a million calls a day"
	@echo "make bench-console - the console paging through 1,000 leads in Chromium (figures only)"
	@echo "make train - fit the lead detector on model/corpus/writers/ and write its weights"
	@echo "make eval  - the detector's quality on calls it was not fitted on (model/EVALUATIONS.md)"
	@echo "make chaos - the full fault-injection run (1,000 calls, 200 bookings, 300 CSR actions)"
	@echo "make fuzz  - a longer schemathesis run of infra/openapi.yaml against the local stack"

tools:
	@scripts/tools.sh

build:
	cargo build --workspace --bins

# Fits the detector's weights (shared/detection/src/weights.rs, hashed_weights.bin) from the
# training writers; see model/README.md.
train:
	cargo run -q --bin scl-train

# The detector's quality on calls it was not fitted on: leave one writer out, leave one trade
# family out, the blind split; recorded in model/EVALUATIONS.md, failing below the floors.
eval:
	cargo run -q --bin scl-eval

# The CSR console (web/): type-checked, built into web/dist (the local stack serves it at /),
# its size budget checked.
web: tools
	cd web && npm run --silent build

# The console's lint and unit tests; its browser tests run in `cargo test` (tests/console.rs).
web-check: tools
	cd web && npm run --silent lint && npm run --silent test:unit

dev: tools build web
	@scripts/dev.sh

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

# WS1004 (a log group named /aws/lambda/<function>) predates LoggingConfig.LogGroup, which the
# functions use so that their log groups exist before them; the Guard rules check that instead.
lint-template: tools
	.local/venv/bin/cfn-lint --append-rules cfn_lint_serverless.rules --ignore-checks WS1004 -- infra/template.yaml
	AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 .local/venv-sam/bin/sam validate --lint --template-file infra/template.yaml
	scripts/check-template.sh

# The evaluation `make eval` records, faster (each held-out model calibrated on two inner groups
# of writers instead of four) and not recorded: fails below the floors.
detection-eval:
	@set -o pipefail; cargo run -q --bin scl-eval -- --no-record --fast 2>&1 | tee .local/detection-eval.log

# Tests that call a handler in-process poll it on the test's own thread, whose stack is 2 MiB by
# default; a function polls its handler on its main thread (8 MiB on Lambda). Debug builds of
# the AWS SDK's futures are deep: the reports rebuild test needs more than 1 MiB. The tests get
# the function's 8 MiB.
test: tools fmt-check clippy lint-template web-check web build detection-eval
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	RUST_MIN_STACK=8388608 \
	SCL_TEST_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) \
	SCL_TEST_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	SCL_RIE_BIN=$(CURDIR)/.local/bin/aws-lambda-rie \
	cargo test --workspace --no-fail-fast -- --nocapture 2>&1 | tee .local/test.log; \
	rc=$$?; scripts/emulators.sh stop; \
	awk '/^test result:/ {p+=$$4; f+=$$6} END {printf "%d passed, %d failed\n", p, f}' .local/test.log; \
	grep -hE '^(detection|chaos|api fuzz)|^  [0-9]+ (passed|failed) \(' .local/test.log .local/detection-eval.log || true; \
	exit $$rc

# The chaos run at full size (tests/chaos.rs; `make test` runs it small); uses the test ports.
chaos: tools build
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	SCL_TEST_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) \
	SCL_TEST_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	SCL_RIE_BIN=$(CURDIR)/.local/bin/aws-lambda-rie \
	SCL_CHAOS_CALLS=1000 SCL_CHAOS_BOOKINGS=200 SCL_CHAOS_ACTIONS=300 SCL_CHAOS_SNS_DOWN=10 \
	cargo test -p scl-tests --test chaos -- --nocapture 2>&1 | tee .local/chaos.log; \
	rc=$$?; scripts/emulators.sh stop; grep -E '^chaos' .local/chaos.log || true; exit $$rc

# Schema-driven fuzzing at a larger size than `make test` runs it (tests/api_fuzz.rs); a random
# seed unless SCL_FUZZ_SEED is set, so each run explores new inputs. Uses the test ports.
fuzz: tools build
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	SCL_TEST_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) \
	SCL_TEST_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	SCL_RIE_BIN=$(CURDIR)/.local/bin/aws-lambda-rie \
	SCL_FUZZ_EXAMPLES=$${SCL_FUZZ_EXAMPLES:-200} SCL_FUZZ_SEED=$${SCL_FUZZ_SEED:-$$RANDOM$$RANDOM} \
	cargo test -p scl-tests --test api_fuzz -- --nocapture 2>&1 | tee .local/fuzz.log; \
	rc=$$?; scripts/emulators.sh stop; grep -E '^api fuzz' .local/fuzz.log || true; exit $$rc

emulators-stop:
	@scripts/emulators.sh stop

# What the account needs before and after `sam deploy` (scripts/preflight.py says what to fix):
#   make preflight STACK=<stack> REGION=<region>       after deploy
#   make preflight SENDER=<email> REGION=<region>      before it (ISSUER=<url> for your own OIDC)
preflight:
	@scripts/tools.sh build
	@STACK="$(STACK)" REGION="$(REGION)" SENDER="$(SENDER)" ISSUER="$(ISSUER)" .local/venv-sam/bin/python scripts/preflight.py

# Only the build tools (the SAM CLI; package.sh adds cargo-lambda and zig), not the test ones.
package:
	@scripts/tools.sh build
	@scripts/package.sh

# The platform at a million calls a day (BENCHMARKS.md): the pipeline bench with 300
# businesses on the release functions, its work per call extrapolated with AWS's default quotas
# (local/src/bin/scl-bench/platform.rs). Uses the test ports.
simulate: tools build release-functions
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	SCL_ROOT=$(CURDIR) \
	SCL_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) \
	SCL_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	SCL_BENCH_BIN_DIR=$(RELEASE_BIN_DIR) SCL_METER_CAPACITY=1 SCL_BENCH_ONLY=platform \
	target/debug/scl-bench | tee target/simulate-report.md; \
	rc=$$?; scripts/emulators.sh stop; exit $$rc

# The console paging through a large Open tab in Chromium against the local stack (debug
# binaries; web/e2e/paging.bench.ts); prints its figures. Uses the test ports.
bench-console: tools build web
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	SCL_ROOT=$(CURDIR) SCL_API_ADDR=127.0.0.1:13000 SCL_INVOKE_ADDR=127.0.0.1:13001 \
	SCL_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) SCL_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	target/debug/scl-local > .local/bench-console-stack.log 2>&1 & stack=$$!; \
	for i in $$(seq 120); do curl -sf http://127.0.0.1:13000/health >/dev/null && break; sleep 1; done; \
	(cd web && SCL_CONSOLE_URL=http://127.0.0.1:13000 SCL_INVOKE_URL=http://127.0.0.1:13001 \
	  npx --no-install playwright test --project bench) 2>&1 | tee target/bench-console.txt; \
	rc=$$?; kill $$stack; scripts/emulators.sh stop; exit $$rc

# The functions and lambda_runtime's hello world in the release profile, for the cold-start
# table. Only those packages, so Cargo unifies features across them alone: the local stack's
# and the tests' dependencies (aws-config's default HTTPS client) stay out of the functions.
# Linked like the arm64 bootstraps (.cargo/config.toml says how and why); an explicit
# --target keeps that flag off the build scripts and proc macros.
RELEASE_TARGET := x86_64-unknown-linux-gnu
RELEASE_BIN_DIR := $(CURDIR)/target/$(RELEASE_TARGET)/release
release-functions:
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C relocation-model=static" \
	cargo build --release --target $(RELEASE_TARGET) $(addprefix -p ,$(FUNCTION_PACKAGES)) -p hello-lambda

# Figures for BENCHMARKS.md; uses the test ports (not beside `make test`).
bench: tools build release-functions
	@scripts/emulators.sh start $(TEST_DDB_PORT) $(TEST_MOTO_PORT)
	@set -o pipefail; \
	SCL_ROOT=$(CURDIR) \
	SCL_DYNAMODB_URL=http://127.0.0.1:$(TEST_DDB_PORT) \
	SCL_MOTO_URL=http://127.0.0.1:$(TEST_MOTO_PORT) \
	SCL_BENCH_BIN_DIR=$(RELEASE_BIN_DIR) SCL_METER_CAPACITY=1 \
	target/debug/scl-bench | tee target/bench-report.md; \
	rc=$$?; scripts/emulators.sh stop; [ $$rc = 0 ] || exit $$rc; \
	cargo bench -p scl-model --bench detection 2>&1 | tee target/bench-detection.txt
	cargo bench -p scl-render --bench views 2>&1 | tee target/bench-views.txt
