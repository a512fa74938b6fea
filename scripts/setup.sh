#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need, idempotently:
# each step is skipped when what it installs is already there at the right
# version. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
step() { printf '\n== setup: %s\n' "$*"; }

apt_packages=()
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v chromedriver >/dev/null || apt_packages+=(chromium-driver)
# PostgreSQL 15 for the sync server tests (scripts/pg.sh).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then apt_packages+=(postgresql); fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  step "apt: ${apt_packages[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly; read the version from Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  step "wasm-bindgen-cli $want (was: ${have:-none}; about 2.5 min)"
  # No --locked: its lockfile pins a crate version this registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# The PostgREST-compatible gateway of the sync server tests (scripts/pg.sh).
if ! cargo install --list | grep -q '^postrust-server v3.1.0:'; then
  step "postrust-server 3.1.0 (about 7 min)"
  # No --locked, as for wasm-bindgen-cli (TOOLCHAIN.md).
  cargo install postrust-server --version 3.1.0
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm packages (binaryen's wasm-opt, playwright-core, fake-indexeddb, vite)"
  npm ci --no-audit --no-fund
fi
echo "== setup: done"
