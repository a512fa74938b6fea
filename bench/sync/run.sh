#!/usr/bin/env bash
# bench/run sync: the sync server alone (bench/sync/server.mjs) → bench/results/sync.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
node bench/sync/server.mjs --out bench/results/sync.json
