#!/usr/bin/env bash
# run.sh BINARY — browser tests of the dashboard (SPEC §9) against the real accessd binary.
#
#   1. makes sure playwright-core (pinned in package-lock.json) is in node_modules — `npm ci` only
#      when it is missing — and that Debian's /usr/bin/chromium exists (scripts/install-deps.sh
#      installs it; playwright-core never downloads a browser);
#   2. starts BINARY on a free loopback port with a fresh database in a temporary directory;
#   3. imports legacy-export.json into that database with `BINARY legacy import` (a second,
#      legacy organization for migration.test.mjs);
#   4. runs dashboard.test.mjs and migration.test.mjs with `node --test`, one after the other,
#      which drive Chromium through playwright-core;
#   5. stops the server and exits non-zero when anything failed.
# Must not touch the repository's ./data or config.toml: the server runs inside the temp dir.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi
bin="$(realpath "$1")"
if [[ ! -x "$bin" ]]; then
  echo "browser tests: $bin is not an executable (build it first)" >&2
  exit 2
fi

if [[ ! -d "$here/node_modules/playwright-core" ]]; then
  echo "browser tests: installing playwright-core (npm ci)" >&2
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser tests: /usr/bin/chromium is missing; run scripts/install-deps.sh" >&2
  exit 1
fi

tmp="$(mktemp -d -t accessd-browser.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
admin_email="admin@example.test"
admin_password="browser-test-password-$RANDOM$RANDOM"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(
  cd "$tmp"
  exec env ACCESSD_ADMIN_EMAIL="$admin_email" ACCESSD_ADMIN_PASSWORD="$admin_password" \
    "$bin" serve --listen "127.0.0.1:$port" --db "$tmp/accessd.db"
) >"$tmp/server.log" 2>&1 &
server_pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "browser tests: the server exited at startup:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.1
done

# The legacy organization: imported next to the running server, as an operator would.
if ! "$bin" legacy import "$here/legacy-export.json" --db "$tmp/accessd.db" >"$tmp/import.out" \
    2>"$tmp/import.err"; then
  echo "browser tests: legacy import failed:" >&2
  cat "$tmp/import.err" >&2
  exit 1
fi

status=0
ACCESSD_URL="$base" ACCESSD_ADMIN_EMAIL="$admin_email" ACCESSD_ADMIN_PASSWORD="$admin_password" \
  ACCESSD_LEGACY_EMAIL="lena@legacy.test" ACCESSD_LEGACY_PASSWORD="legacy-admin-password-1" \
  ACCESSD_SCREENSHOTS="${ACCESSD_SCREENSHOTS:-}" \
  node --test --test-reporter=spec --test-timeout=120000 --test-concurrency=1 \
  "$here/dashboard.test.mjs" "$here/migration.test.mjs" || status=$?

if [[ $status -ne 0 ]]; then
  echo "browser tests failed; last server log lines:" >&2
  tail -n 40 "$tmp/server.log" >&2 || true
fi
exit "$status"
