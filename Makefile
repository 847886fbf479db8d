# memoryd: `make run` sets everything up and serves on 127.0.0.1:8420; `make test` sets everything
# up and runs every test (unit, HTTP scenarios, MCP suites, both on SQLite and PostgreSQL, the
# same under ASan+UBSan, TSan for the threaded units, and each fuzz target briefly).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./memoryd-data
BUILD ?= build
PYTHON := /usr/bin/python3
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_TARGETS := fuzz_http_request fuzz_json_bodies fuzz_mcp_message fuzz_text_analysis
# Unit tests that exercise threads, run again under ThreadSanitizer.
TSAN_FILTER := *Concurrent*:SearchEngineBacklogTest.*:HnswVectorIndexBatchTest.*:SideRunnerTest.*:*WriteBatcher*:*AcrossThreads*:RouterTest.*:McpHttp*:ReadCache*:SharedGeneration*:SqliteStoreCache*:EmbeddingWorker*:EmbedderGuard*:*CancelEnds*:RateLimiterTest.*:PgFeedListenerTest.*:PgPipelineTest.*:*OnTwoThreads*

# The fuzz targets are built with clang's libFuzzer.
FUZZ_PACKAGES := clang-15 libfuzzer-15-dev

# Debian 12 packages the build and the tests need.
APT_PACKAGES := build-essential cmake pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-url1.81-dev libsqlite3-dev libhnswlib-dev libstemmer-dev libssl-dev libxxhash-dev \
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev python3 python3-pytest jq \
  python3-requests python3-prometheus-client curl wordnet-base libpq-dev postgresql-15

.PHONY: all deps mcp-deps fuzz-deps build bench-tools asan tsan fuzz-build fuzz fuzz-smoke run test unit-test scenario-test mcp-test scenario-test-postgres mcp-test-postgres asan-test tsan-test bench format clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

fuzz-deps:
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The MCP suites' pinned test tools from npm (tests/mcp/package-lock.json): Node 22, the official
# conformance suite and TypeScript SDK. npm itself comes from Debian when the machine has none.
mcp-deps:
	@if ! command -v npm > /dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; \
	fi
	@if [ ! -x tests/mcp/node_modules/.bin/node ] || \
	    [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; then \
	  cd tests/mcp && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# The server and the unit tests; the benchmark tools (bench_*) are built by `make bench-tools`,
# which keeps `make test` inside CI's time budget on 2 cores.
build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(BUILD) -j$(JOBS) --target memoryd memoryd_unit_tests

bench-tools: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(BUILD) -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMEMORYD_SANITIZE=ON > /dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target memoryd memoryd_unit_tests

tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMORYD_TSAN=ON > /dev/null
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target memoryd_unit_tests

fuzz-build: deps fuzz-deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-15 \
	  -DMEMORYD_FUZZ=ON > /dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(FUZZ_TARGETS)

# Each target runs for FUZZ_SECONDS (make fuzz) or FUZZ_SMOKE_SECONDS (make fuzz-smoke, part of
# make test) from the seeds in fuzz/corpus/<name>; what it finds goes to $(FUZZ_BUILD)/corpus.
# A crash, a leak or a sanitizer report fails the run and leaves the input in $(FUZZ_BUILD).
define run_fuzzers
	@for t in $(FUZZ_TARGETS); do \
	  name=$${t#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  echo "fuzzing $$t for $(1) s"; \
	  (cd $(FUZZ_BUILD) && ./$$t -max_total_time=$(1) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 corpus/$$name $(CURDIR)/fuzz/corpus/$$name 2>&1 | \
	    grep -E "^stat::number_of_executed_units|ERROR|SUMMARY|Done" ; exit $${PIPESTATUS[0]}) || exit 1; \
	done
endef

fuzz: fuzz-build
	$(call run_fuzzers,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call run_fuzzers,$(FUZZ_SMOKE_SECONDS))

tsan-test: tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 tests/pg/with_cluster.sh \
	  $(TSAN_BUILD)/memoryd_unit_tests --gtest_brief=1 --gtest_filter='$(TSAN_FILTER)'

run: build
	$(BUILD)/memoryd serve --data-dir $(DATA_DIR)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -R unit_tests

scenario-test: build
	MEMORYD_BIN=$(BUILD)/memoryd $(PYTHON) -m pytest -q -p no:cacheprovider tests/http

mcp-test: build mcp-deps
	MEMORYD_BIN=$(CURDIR)/$(BUILD)/memoryd tests/mcp/run.sh

# The whole HTTP and MCP suites on PostgreSQL (a throwaway cluster), as `make test` runs them
# (ctest http_scenarios_postgres and mcp_suites_postgres).
scenario-test-postgres: build
	MEMORYD_TEST_BACKEND=postgres MEMORYD_BIN=$(BUILD)/memoryd tests/pg/with_cluster.sh \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/http

mcp-test-postgres: build mcp-deps
	MEMORYD_TEST_BACKEND=postgres MEMORYD_BIN=$(CURDIR)/$(BUILD)/memoryd tests/pg/with_cluster.sh \
	  tests/mcp/run.sh

asan-test: asan mcp-deps
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/pg/with_cluster.sh $(ASAN_BUILD)/memoryd_unit_tests --gtest_brief=1
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MEMORYD_BIN=$(ASAN_BUILD)/memoryd $(PYTHON) -m pytest -q -p no:cacheprovider tests/http
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MEMORYD_START_TIMEOUT=60 MEMORYD_BIN=$(CURDIR)/$(ASAN_BUILD)/memoryd tests/mcp/run.sh

test: mcp-deps build asan tsan fuzz-build
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory tsan-test
	$(MAKE) --no-print-directory asan-test
	# The HTTP suite on SQLite ran in asan-test; the Release build runs it on PostgreSQL.
	cd $(BUILD) && ctest --output-on-failure -E '^http_scenarios$$'

bench: bench-tools
	bench/http/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc' 'bench/*.h' 'fuzz/*.cc' \
	  'tools/*.cc' 'tools/*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
