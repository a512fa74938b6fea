#!/usr/bin/env bash
# What each candidate parsing crate adds to a wasm module (gzipped), each in
# isolation against the same empty probe. Prints a JSON document (rows per
# feature, and each row's gzipped bytes above the empty probe).
set -euo pipefail
cd "$(dirname "$0")/wasm-size-probe"
root=$(cd ../../.. && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/wasm-size-probe}
rows=()
base=0
for feature in none csv-core uuid-v5 mailparse ical calcard; do
  args=(build --release --target wasm32-unknown-unknown --lib)
  [ "$feature" != none ] && args+=(--features "$feature")
  cargo "${args[@]}" >/dev/null 2>&1 || { rows+=("{\"system\": \"$feature\", \"error\": \"build failed\"}"); continue; }
  wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/wasm_size_probe.wasm"
  "$root/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int "$wasm" -o /tmp/probe-$feature.wasm
  raw=$(stat -c %s /tmp/probe-$feature.wasm)
  gz=$(gzip -9 -c /tmp/probe-$feature.wasm | wc -c)
  [ "$feature" = none ] && base=$gz
  rows+=("{\"system\": \"$feature\", \"dataset\": \"wasm size probe\", \"wasm_bytes\": $raw, \"wasm_gzip_bytes\": $gz, \"added_gzip_bytes\": $((gz - base))}")
done
echo '{'
echo '  "note": "one tiny cdylib per crate, opt-level s + LTO + wasm-opt -Oz, gzip -9; calcard includes getrandom with its wasm-bindgen backend",'
echo '  "rows": ['
for i in "${!rows[@]}"; do
  sep=','; [ "$i" -eq $((${#rows[@]} - 1)) ] && sep=''
  echo "    ${rows[$i]}$sep"
done
echo '  ]'
echo '}'
