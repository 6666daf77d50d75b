#!/usr/bin/env bash
# bench.sh BUILD_DIR — runs the benchmark (scripts/bench.py) against BUILD_DIR/accessd.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench.py "${1:-build-bench}"
