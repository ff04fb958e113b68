#!/usr/bin/env bash
# Installs turtle's npm dependencies when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages from the lockfile (npm ci; better-sqlite3 may compile for ~2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
fi
