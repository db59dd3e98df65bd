#!/usr/bin/env bash
# Builds the real test images from the Debian archive. Placeholder until the image module lands; see issue 2.
set -euo pipefail
mkdir -p "${1:-build/dev/testimages}"
