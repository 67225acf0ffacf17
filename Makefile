# The two commands of the README: `make run` and `make test`. Each installs what is missing
# first, so it works alone on a fresh Debian 12 machine.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja
# Warnings are errors for the test build (CI runs `make test`).
TEST_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEFENDER_WERROR=ON

.PHONY: all setup build test run asan fuzz static bench clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

test: setup
	cmake -S . -B $(BUILD)-test $(CMAKE_GEN) $(TEST_FLAGS)
	cmake --build $(BUILD)-test -j $(JOBS)
	cd $(BUILD)-test && ctest --output-on-failure -j $(JOBS) --timeout 300

run: build
	bash scripts/demo.sh $(BUILD)/app/defender

# AddressSanitizer + UndefinedBehaviorSanitizer build, whole test suite.
asan: setup
	cmake -S . -B $(BUILD)-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DDEFENDER_SANITIZE=ON
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer targets (clang); run one with e.g.
#   build-fuzz/fuzz/policy/fuzz_policy_loader -max_total_time=60 fuzz/corpus/policy_loader
fuzz: setup
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEFENDER_FUZZ=ON -DDEFENDER_TESTS=OFF -DDEFENDER_SKIP_MODULES=
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzzers

# A fully static defender (for `defender embed`: it runs in an image with no libraries).
static: setup
	cmake -S . -B $(BUILD)-static $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DDEFENDER_STATIC=ON -DDEFENDER_TESTS=OFF
	cmake --build $(BUILD)-static -j $(JOBS) --target defender

# Benchmarks install their peers (dnsdist, nginx, ...) and print side-by-side figures.
bench: build
	@bash scripts/setup.sh --bench
	bash bench/run_all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-test $(BUILD)-asan $(BUILD)-fuzz $(BUILD)-static
