# SPDX-License-Identifier: GPL-2.0-only
# Thin wrapper around CMake so that a fresh clone needs only:
#   make bench    the default sweep, its results directory and plots
#   make test     the tests, normal and sanitizer (ASan+UBSan) builds
# Both install the Debian packages first when something is missing and you
# are root (`make deps`), or print the exact command to run.

BUILD      ?= build
SAN_BUILD  ?= build-san
BENCH_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build san bench quick test plot deps check-deps clean

all: build

check-deps:
	@scripts/deps check

deps:
	@scripts/deps install

build: check-deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

san: check-deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOWBENCH_SANITIZE=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS) -- --no-print-directory

# The default sweep of every benchmark, then the plots of that run.
bench: build
	@dir=$$($(BUILD)/cowbench run $(BENCH_ARGS)); rc=$$?; \
	if [ -n "$$dir" ] && [ -d "$$dir" ]; then \
		if [ -x scripts/plot ]; then scripts/plot "$$dir" || rc=1; fi; \
		if [ -f "$$dir/summary.txt" ]; then echo; \
			awk '{ print } /^More: /{ exit }' "$$dir/summary.txt"; echo; fi; \
		echo "results: $$dir"; \
		echo "summary: $$dir/summary.txt (every table: details.txt)"; \
		if [ -d "$$dir/plots" ]; then echo "plots:   $$dir/plots/"; fi; \
	fi; exit $$rc

# A short sweep (what CI runs to draw its graphs).
quick:
	@$(MAKE) --no-print-directory bench BENCH_ARGS="--quick $(BENCH_ARGS)"

plot:
	@test -n "$(RUN)" || { echo "usage: make plot RUN=results/<run>"; exit 2; }
	@scripts/plot "$(RUN)"

test: build san
	@cd $(BUILD) && ctest --output-on-failure -j 1
	@cd $(SAN_BUILD) && ctest --output-on-failure -j 1

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
