#!/usr/bin/env bash
# bench/run import — a generated 50 MB vCard (and 50 MB iCalendar) file
# imported natively (release) and through the built package under Node 20
# (wasm, in-memory storage), vCard with the default batch (2,000 records per
# transaction) and with 20,000; writes bench/results/import.json.
# Figures: records, batches, seconds, peak memory, the parser's own buffer;
# and bench/results/import-crates.json: what csv-core, uuid v5, mailparse,
# ical and calcard each add to a wasm module, gzipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${IMPORT_MB:-50}
cargo build --release --example import_large
node scripts/build.mjs
rows=()
for run in "vcard 2000" "vcard 20000" "ics 2000"; do
  set -- $run
  rows+=("$(target/release/examples/import_large "$1" "$MB" "$2")")
  rows+=("$(node --max-old-space-size=4096 bench/import/large.mjs "$1" "$MB" "$2")")
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
# What candidate parsing crates would add to the .wasm (see wasm-size.sh).
bench/import/wasm-size.sh > bench/results/import-crates.json
cat bench/results/import-crates.json
