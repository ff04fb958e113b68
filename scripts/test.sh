#!/usr/bin/env bash
# `npm test`: everything a fresh machine needs, then every test, unit and integration, on real engines.
#   bash scripts/test.sh          all tests (installs packages, starts private Docker and Podman engines)
#   bash scripts/test.sh unit     only the tests that need no engine
# Engines this script started are stopped again at the end; engines that were already running are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}

say() { echo "test: $*"; }
die() { echo "test: error: $*" >&2; exit 1; }
# shellcheck source=scripts/_packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/_packages.sh"

bash scripts/setup.sh

say "type-checking and building (tsc, then one bundle for the CLI)"
npm run build --silent

if [ "$mode" = unit ]; then
  say "unit tests"
  exec node --import tsx --test --test-concurrency=2 test/unit/*.test.ts
fi

# A demo left running (`npm run demo` leaves its sites up for a look) holds what the tests need: on the test bed
# its observer listens on dc3's 10.231.0.13:8080, the test bed's own observer address, and its agents run the
# demo's services. The tests stop it first, as `bash scripts/demo.sh down` would.
demo_dir=${TURTLE_DEMO_DIR:-$PWD/.turtle/demo}
if [ -f "$demo_dir/env" ]; then
  say "stopping the demo left running in $demo_dir (bash scripts/demo.sh down) so the tests get the test bed and its ports"
  bash scripts/demo.sh down
fi

answers() { curl -sf --max-time 2 --unix-socket "/run/turtle-test/$1.sock" http://d/_ping >/dev/null 2>&1; }
if answers docker && answers podman; then
  say "using the engines already running (bash scripts/engines.sh stop stops them)"
  bash scripts/engines.sh start
else
  trap 'say "stopping the engines it started"; bash scripts/engines.sh stop' EXIT
  bash scripts/engines.sh start
fi

# Debian's chromium for the dashboard's browser test (playwright-core drives it; installs the `chromium` package)
bash scripts/browser.sh

# promtool for the metrics test, which fails without it (Debian has it only in the prometheus package)
install_debian_packages --no-recommends "promtool, for the metrics test" prometheus

say "unit and integration tests (real Docker and Podman, real SQLite)"
# a test that hangs fails after 10 minutes, naming itself, rather than holding CI until its limit; and a file
# that never exits (a handle left open) ends the run after 50 minutes (the suite takes ~25 on 2 cores)
timeout --signal=TERM --kill-after=30 3000 \
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 test/unit/*.test.ts test/integration/*.test.ts
