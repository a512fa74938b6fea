#!/usr/bin/env bash
# bench/run sync — see run.mjs. Starts PostgreSQL + postrust (scripts/pg.sh),
# builds the package, runs the browser benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/build.mjs
exec node bench/sync/run.mjs
