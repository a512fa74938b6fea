#!/usr/bin/env bash
# bench/run extension: the MV3 example extension in Debian's Chromium (new
# headless, loaded unpacked) on the demo graph — install-to-first-answer,
# answer after a worker restart, popup→worker lookup round trip, popup
# open-to-answer — next to the same lookup in Node (engine only, no
# messaging). Writes bench/results/extension.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${WIG_SKIP_BUILD:-0}" = 1 ] || node scripts/build.mjs
node scripts/build-extension.mjs
node bench/extension/run.mjs "$@"
