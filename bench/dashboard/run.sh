#!/usr/bin/env bash
# bench/run dashboard: the dashboard on a 100k-person sample graph in
# headless Chromium (open, search index, search keystroke, person page,
# network view) against the previous demo's listPeople-scan search.
# PEOPLE=… EDGES_PER_PERSON=… to change the size. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${WIG_SKIP_BUILD:-0}" = 1 ] || node scripts/build.mjs
node bench/dashboard/run.mjs "$@"
