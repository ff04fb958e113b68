#!/usr/bin/env bash
# Runs one benchmark (its arguments passed on) after making sure turtle is built and the private engines run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
bash scripts/engines.sh start
exec npx tsx "bench/$1.ts" "${@:2}"
