#!/usr/bin/env bash
# `npm run demo`: turtle's main job, end to end, on two routers each run by a turtle agent (mutual TLS):
# deploy, a canary rollout under load, a broken version caught and rolled back, drift healed by the agent,
# rollback, and the observer's dashboard. As root it uses the three-site test bed (scripts/testbed.sh);
# otherwise, or with TURTLE_DEMO_MODE=loopback, agents on loopback ports against the private engines.
# `bash scripts/demo.sh down` stops everything the demo started and removes its containers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=${TURTLE_DEMO_DIR:-$ROOT/.turtle/demo}
STEP=0
STARTED=$SECONDS

say() { STEP=$((STEP + 1)); printf '\n\033[1m== %d. %s\033[0m\n' "$STEP" "$*"; }
note() { printf '$ %s\n' "$*"; }
die() { echo "demo: error: $*" >&2; exit 1; }
turtle() { node "$ROOT/bin/turtle.js" "$@"; }
# Runs a turtle command as the reader would type it, and says when its exit code is the one expected.
run() { # expected-exit turtle-args...
  local want=$1 code=0; shift
  note "${WEB_VERSION:+WEB_VERSION=$WEB_VERSION }turtle $*"
  turtle "$@" || code=$?
  if [ "$code" != "$want" ]; then die "\`turtle $*\` exited $code (expected $want)"; fi
  if [ "$want" != 0 ]; then echo "(exit $code, as expected)"; fi
}

# shellcheck source=scripts/_demo-sites.sh
source "$ROOT/scripts/_demo-sites.sh"
# shellcheck source=scripts/_demo-load.sh
source "$ROOT/scripts/_demo-load.sh"
# shellcheck source=scripts/_demo-story.sh
source "$ROOT/scripts/_demo-story.sh"

case "${1:-up}" in
  down) demo_down; exit 0 ;;
  up) ;;
  *) echo "usage: bash scripts/demo.sh [up|down]   (TURTLE_DEMO_MODE=testbed|loopback)" >&2; exit 2 ;;
esac

MODE=${TURTLE_DEMO_MODE:-}
if [ -z "$MODE" ]; then if [ "$(id -u)" = 0 ]; then MODE=testbed; else MODE=loopback; fi; fi
case $MODE in testbed | loopback) ;; *) die "TURTLE_DEMO_MODE is testbed or loopback, not \`$MODE\`" ;; esac
[ "$MODE" = testbed ] && [ "$(id -u)" != 0 ] && die "the test bed needs root; run with TURTLE_DEMO_MODE=loopback"

if [ -f "$DEMO/env" ]; then
  echo "demo: removing the previous demo first"
  demo_down
fi
# whatever happens, no client loop outlives the demo; what else it started stays, for a look, until `down`
finish() {
  local code=$?
  stop_pid load-dc1 >/dev/null 2>&1 || true
  stop_pid load-dc2 >/dev/null 2>&1 || true
  if [ "$code" != 0 ]; then echo "demo: stopped; what it started is still there: bash scripts/demo.sh down removes it" >&2; fi
}
trap finish EXIT

story "$MODE"
