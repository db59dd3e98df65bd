# Thin wrappers. Every target installs what it needs first (scripts/install-deps.sh is idempotent).
BUILD_DIR ?= build/dev
JOBS ?= $(shell nproc)

.PHONY: all deps build test demo bench fuzz format tidy clean

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	cmake --preset dev >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds the test images from the Debian archive (cached under $(BUILD_DIR)/testimages), then runs every test and
# prints how many were skipped and why (CUSTOMS_REQUIRE_ALL=1, as CI sets it, makes any skip a failure).
test: build
	bash scripts/testimages.sh $(BUILD_DIR)/testimages
	bash deploy/build-image.sh $(BUILD_DIR)/cli/customs $(BUILD_DIR)/customs-image >/dev/null
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS); bash scripts/test-summary.sh $(BUILD_DIR) $$?

demo: build
	bash scripts/demo.sh $(BUILD_DIR)

bench: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)
	bash scripts/testimages.sh build/release/testimages
	bash bench/run_all.sh build/release

fuzz: deps
	bash scripts/install-deps.sh --fuzz
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

tidy: build
	git ls-files 'src/*.cpp' 'cli/*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf build
