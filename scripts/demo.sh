#!/usr/bin/env bash
set -euo pipefail
BUILD_DIR=${1:-build/dev}
"$BUILD_DIR/cli/customs" --help
