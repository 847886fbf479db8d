# memoryd: `make run` sets everything up and serves on 127.0.0.1:8420; `make test` sets everything
# up and runs every test (unit, HTTP scenarios, MCP suites, and the same under ASan+UBSan).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA_DIR ?= ./memoryd-data
BUILD ?= build
PYTHON := /usr/bin/python3
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
# Unit tests that exercise threads, run again under ThreadSanitizer.
TSAN_FILTER := *Concurrent*:*WriteBatcher*:*AcrossThreads*:RouterTest.*:McpHttp*:ReadCache*:SharedGeneration*:SqliteStoreCache*:EmbeddingWorker*:EmbedderGuard*:*CancelEnds*

# Debian 12 packages the build and the tests need.
APT_PACKAGES := build-essential cmake pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-url1.81-dev libsqlite3-dev libhnswlib-dev libstemmer-dev libssl-dev libxxhash-dev \
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev python3 python3-pytest \
  python3-requests curl

.PHONY: all deps mcp-deps build bench-tools asan tsan run test unit-test scenario-test mcp-test asan-test tsan-test bench format clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
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

tsan-test: tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(TSAN_BUILD)/memoryd_unit_tests --gtest_brief=1 --gtest_filter='$(TSAN_FILTER)'

run: build
	$(BUILD)/memoryd serve --data-dir $(DATA_DIR)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -R unit_tests

scenario-test: build
	MEMORYD_BIN=$(BUILD)/memoryd $(PYTHON) -m pytest -q -p no:cacheprovider tests/http

mcp-test: build mcp-deps
	MEMORYD_BIN=$(CURDIR)/$(BUILD)/memoryd tests/mcp/run.sh

asan-test: asan mcp-deps
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(ASAN_BUILD)/memoryd_unit_tests --gtest_brief=1
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MEMORYD_BIN=$(ASAN_BUILD)/memoryd $(PYTHON) -m pytest -q -p no:cacheprovider tests/http
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MEMORYD_START_TIMEOUT=60 MEMORYD_BIN=$(CURDIR)/$(ASAN_BUILD)/memoryd tests/mcp/run.sh

test: mcp-deps build asan tsan
	$(MAKE) --no-print-directory tsan-test
	$(MAKE) --no-print-directory asan-test
	cd $(BUILD) && ctest --output-on-failure

bench: bench-tools
	bench/http/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
