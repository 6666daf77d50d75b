# accessd — build, test, run, measure.
#
#   make run     install what is missing, build, start the server (./data/accessd.db)
#   make test    install what is missing, build, run every test
#   make help    all targets
#
# Library flags come from pkg-config: Debian builds cpp-httplib with OpenSSL,
# zlib and brotli defines, and a mismatch between its library and our
# translation units crashes at run time.

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-print-directory

PKGS := cpp-httplib libargon2 tomlplusplus nlohmann_json sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CXX ?= g++
OPT ?= -O2 -g
SAN ?=
CXXFLAGS := -std=c++17 $(OPT) $(SAN) -Wall -Wextra -Wno-unused-parameter -MMD -MP \
            -Isrc -I$(BUILD)/gen
LDFLAGS := $(SAN)
LDLIBS = -lSQLiteCpp $(PKG_LIBS) -lsqlite3 -lssl -lcrypto -lz -lpthread

LIB_SRCS := $(filter-out src/main.cc,$(shell find src -name '*.cc' | sort))
GEN_SRCS := $(BUILD)/gen/schema_sql.cc $(BUILD)/gen/web_assets.cc
TEST_SRCS := $(filter-out tests/bench/%,$(shell find tests -name '*.cc' | sort))

LIB_OBJS := $(LIB_SRCS:%.cc=$(BUILD)/obj/%.o) $(GEN_SRCS:$(BUILD)/gen/%.cc=$(BUILD)/obj/gen/%.o)
TEST_OBJS := $(TEST_SRCS:%.cc=$(BUILD)/obj/%.o)
WEB_FILES := $(shell find web -type f -not -path '*/node_modules/*' -not -path 'web/tests/*' 2>/dev/null)

.PHONY: all deps build run test asan bench fmt clean help

all: build ## build the server and the test binary

deps: ## install missing Debian packages (idempotent)
	@scripts/install-deps.sh

build: deps
	@$(MAKE) -j$(JOBS) $(BUILD)/accessd $(BUILD)/accessd_test

$(BUILD)/accessd: $(BUILD)/obj/src/main.o $(LIB_OBJS)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/accessd_test: $(TEST_OBJS) $(LIB_OBJS)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# `make bench` only: the durable-answer floor (tests/bench/durable_floor.cc).
$(BUILD)/durable_floor: $(BUILD)/obj/tests/bench/durable_floor.o $(LIB_OBJS)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/gen/schema_sql.cc: schema.sql scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py schema $@ schema.sql

$(BUILD)/gen/web_assets.cc: $(WEB_FILES) scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py web $@ web

run: build ## build and start the server on ./data/accessd.db
	$(BUILD)/accessd serve

test: build ## run every test: unit + API (doctest), the wire contract check, browser tests
	@scripts/run-tests.sh $(BUILD)

asan: deps ## run the tests under AddressSanitizer and UBSan
	@$(MAKE) -j$(JOBS) BUILD=build-asan OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" build-asan/accessd build-asan/accessd_test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  build-asan/accessd_test

bench: ## measure throughput against /healthz (needs wrk; see BENCHMARKS.md)
	@scripts/install-deps.sh --bench
	@$(MAKE) -j$(JOBS) BUILD=build-bench OPT="-O2 -DNDEBUG" build-bench/accessd build-bench/accessd_test \
	  build-bench/durable_floor
	@scripts/bench.sh build-bench

fmt: ## format the C++ sources (clang-format, Google style)
	clang-format -i $$(find src tests -name '*.cc' -o -name '*.h')

clean: ## remove build outputs
	rm -rf build build-asan build-bench

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | expand -t 16

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
