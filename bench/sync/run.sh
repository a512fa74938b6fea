#!/usr/bin/env bash
# bench/run sync → bench/results/sync.json: the sync server alone
# (bench/sync/server.mjs), then the client end to end in headless Chromium
# with IndexedDB (bench/sync/client.mjs). Each keeps the other's rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/build.mjs
node bench/sync/server.mjs --out bench/results/sync.json
node bench/sync/client.mjs
