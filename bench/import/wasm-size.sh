#!/usr/bin/env bash
# What each candidate parsing crate adds to a wasm module (gzipped), each in
# isolation against the same empty probe. Prints one JSON row per feature.
set -euo pipefail
cd "$(dirname "$0")/wasm-size-probe"
root=$(cd ../../.. && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/wasm-size-probe}
for feature in none csv-core uuid-v5 mailparse ical calcard; do
  args=(build --release --target wasm32-unknown-unknown --lib)
  [ "$feature" != none ] && args+=(--features "$feature")
  cargo "${args[@]}" >/dev/null 2>&1 || { echo "{\"feature\": \"$feature\", \"error\": \"build failed\"}"; continue; }
  wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/wasm_size_probe.wasm"
  "$root/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int "$wasm" -o /tmp/probe-$feature.wasm
  raw=$(stat -c %s /tmp/probe-$feature.wasm)
  gz=$(gzip -9 -c /tmp/probe-$feature.wasm | wc -c)
  echo "{\"feature\": \"$feature\", \"wasm_bytes\": $raw, \"wasm_gzip_bytes\": $gz}"
done
