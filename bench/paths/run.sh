#!/usr/bin/env bash
# bench/run paths: graph search, WIG (built package, wasm in Node) vs graphology.
# Installs the peers into bench/paths/node_modules (pinned in bench/paths/package.json;
# the root node_modules is shared between checkouts), fetches SocioPatterns,
# builds the package, runs. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d bench/paths/node_modules/graphology-shortest-path ] || npm ci --prefix bench/paths --no-audit --no-fund
bash bench/strength/fetch_data.sh || echo "SocioPatterns data unavailable; ba-100k only"
[ "${WIG_SKIP_BUILD:-0}" = 1 ] || node scripts/build.mjs
node --expose-gc --max-old-space-size=8192 bench/paths/run.mjs "$@"
