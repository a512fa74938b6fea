#!/usr/bin/env bash
# Runs every test: native Rust, the wasm build, browser tests (headless
# Chromium, page + dedicated worker), Node tests of the package, and the
# Playwright end-to-end tests. Installs what it needs first. Exits non-zero
# if any suite fails; every suite runs and prints its own summary.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

# The sync server suites start PostgreSQL + the gateway (scripts/pg.sh start);
# stop them when the run ends, however it ends, so CI does not hang.
trap 'bash scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT

failed=()
suite() {
  local name=$1; shift
  printf '\n==== %s: %s\n' "$name" "$*"
  local t0=$SECONDS
  if "$@"; then echo "==== $name: ok ($((SECONDS - t0)) s)"; else echo "==== $name: FAILED ($((SECONDS - t0)) s)"; failed+=("$name"); fi
}

suite "native tests" cargo test --workspace --all-targets
suite "doc tests" cargo test --workspace --doc
suite "package build" node scripts/build.mjs
suite "browser tests (page, worker)" cargo test --target wasm32-unknown-unknown --test browser_page --test browser_worker
suite "typescript types" npx --no-install tsc -p tests/types/tsconfig.json
suite "node tests" node --test tests/node/
suite "end-to-end (Playwright)" node --test --test-concurrency=1 tests/e2e/
suite "sync server (PostgreSQL + gateway)" node --test tests/sync/server.test.mjs
suite "sync client (real PostgreSQL + gateway; Node and headless Chromium)" node --test --test-concurrency=1 tests/sync/client.test.mjs tests/sync/client.browser.test.mjs

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
