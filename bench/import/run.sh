#!/usr/bin/env bash
# bench/run import — a generated 50 MB vCard (and 50 MB iCalendar) file
# imported natively (release) and through the built package under Node 20
# (wasm, in-memory storage); writes bench/results/import.json.
# Figures: records, batches, seconds, peak memory, the parser's own buffer.
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${IMPORT_MB:-50}
cargo build --release --example import_large
node scripts/build.mjs
rows=()
for fmt in vcard ics; do
  rows+=("$(target/release/examples/import_large "$fmt" "$MB")")
  rows+=("$(node --max-old-space-size=4096 bench/import/large.mjs "$fmt" "$MB")")
done
mkdir -p bench/results
{
  echo '{'
  echo "  \"measured_at\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"machine\": \"$(nproc) vCPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node --version)\","
  echo '  "rows": ['
  for i in "${!rows[@]}"; do
    sep=','; [ "$i" -eq $((${#rows[@]} - 1)) ] && sep=''
    echo "    ${rows[$i]}$sep"
  done
  echo '  ]'
  echo '}'
} > bench/results/import.json
cat bench/results/import.json
