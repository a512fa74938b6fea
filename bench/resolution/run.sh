#!/usr/bin/env bash
# bench/run resolution — Febrl3/Febrl4 (wig-wasm, wig-native, Splink, recordlinkage)
# and the 100k synthetic-contacts scale run (wig-wasm under Node), all in one run on
# one machine; writes bench/results/resolution.json (regenerated every run).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
REPEAT=${REPEAT:-5}
VENV=bench/.venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
# pinned peers; a no-op when already satisfied
"$VENV/bin/pip" install -q -r bench/resolution/requirements.txt
"$VENV/bin/python" bench/resolution/export_febrl.py
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Both wig builds use [profile.release] as the package ships it: opt-level "s", LTO,
# codegen-units 1, panic=abort.
cargo build --release --target wasm32-unknown-unknown --example febrl_wasm --example scale_wasm
cargo build --release --example febrl --example scale
node bench/resolution/febrl_wasm.mjs --repeat "$REPEAT" --json "$tmp"
"$CARGO_TARGET_DIR/release/examples/febrl" all --repeat "$REPEAT" --json "$tmp"
# The same best-of-N for the peers as for WIG.
"$VENV/bin/python" bench/resolution/peers.py --repeat "$REPEAT" --json "$tmp"
node bench/resolution/scale_wasm.mjs --n 100000 --queries 1000 --repeat 3 --json "$tmp"
# why the person preset needs tuned blocking at 100k: the default rules, once
node bench/resolution/scale_wasm.mjs --n 100000 --queries 1000 --repeat 1 --default-blocking --json "$tmp"
"$CARGO_TARGET_DIR/release/examples/scale" 100000 --json "$tmp"
mkdir -p bench/results
node bench/resolution/merge.mjs "$tmp" bench/results/resolution.json
