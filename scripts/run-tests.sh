#!/usr/bin/env bash
# run-tests.sh BUILD_DIR — every test, in order of cost:
#   1. the doctest binary: unit tests and API scenario tables against real
#      servers on loopback ports with real SQLite files;
#   2. tests/process_test.py: the real binary as a process (flags, config
#      errors, restart, SIGTERM, secrets absent from logs and database);
#   3. the shared wire-contract check against the real binary;
#   4. browser tests of the dashboard, when tests/browser exists.
# Prints one closing line "tests: N passed, M failed" (suites, not cases).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
passed=0
failed=0

run() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "!! $name failed"
    failed=$((failed + 1))
  fi
}

run "unit and API tests (doctest)" "$BUILD/accessd_test"
run "process tests" python3 tests/process_test.py "$BUILD/accessd"
if [[ -f ../shared/contract-check.py ]]; then
  run "wire contract check" python3 ../shared/contract-check.py "$BUILD/accessd"
else
  echo "== wire contract check: ../shared/contract-check.py not present, skipped"
fi
if [[ -x tests/browser/run.sh ]]; then
  run "browser tests" tests/browser/run.sh "$BUILD/accessd"
fi
echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
