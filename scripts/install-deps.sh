#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages accessd builds, tests and
# benchmarks with. Idempotent: asks dpkg first and runs apt-get only for what
# is missing, through sudo when not root.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the load generator used by `make bench`
set -euo pipefail

pkgs=(
  g++ make pkg-config
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev   # HTTP (+ the defines Debian builds it with)
  libsqlitecpp-dev libsqlite3-dev                          # storage
  libargon2-dev                                            # secret hashing
  libtomlplusplus-dev                                      # config.toml
  nlohmann-json3-dev                                       # JSON
  doctest-dev                                              # tests
  python3 curl                                             # contract check, smoke scripts
  chromium                                                 # dashboard browser tests (tests/browser)
)
# Node.js drives the browser tests; machines that ship their own node keep it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(wrk)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
