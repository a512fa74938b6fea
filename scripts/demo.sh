#!/usr/bin/env bash
# The main job: installs what is needed, builds @wig/graph, starts a private
# PostgreSQL 15 + the PostgREST-compatible gateway on loopback with the demo
# user's sample graph, and serves the dashboard on http://127.0.0.1:${PORT:-8080}/.
# The dashboard pulls the graph from the server into IndexedDB, keeps syncing,
# and has sample contact/calendar files ready to import (Import tab).
# Ctrl-C stops the web server; `bash scripts/pg.sh stop` stops the database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
bash scripts/pg.sh start
eval "$(bash scripts/pg.sh env)"
node scripts/demo-seed.mjs "$WIG_PG_DIR/demo-config.json"
export WIG_DEMO_CONFIG="$WIG_PG_DIR/demo-config.json"
echo "demo: dashboard on http://127.0.0.1:${PORT:-8080}/ (gateway $WIG_GATEWAY_URL proxied at /gateway/)"
exec node scripts/serve.mjs "${PORT:-8080}"
