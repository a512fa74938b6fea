#!/usr/bin/env bash
# The main job: installs what is needed, builds @wig/graph, and serves the
# dashboard on 127.0.0.1, where it opens a graph in IndexedDB and loads the
# sample graph. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
exec node scripts/serve.mjs "${PORT:-8080}"
