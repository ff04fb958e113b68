#!/usr/bin/env bash
# `npm run demo`: deploys examples/turtle.yaml on two sites (dc1 on a private Docker engine, dc2 on a
# private Podman engine), shows what runs, and says where to look. `bash scripts/demo.sh down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n== %s\n' "$*"; }

export TURTLE_DC1_ENGINE=unix:///run/turtle-test/docker.sock
export TURTLE_DC2_ENGINE=unix:///run/turtle-test/podman.sock
export TURTLE_STATE=${TURTLE_STATE:-$PWD/.turtle/demo.db}
turtle() { node bin/turtle.js -f examples/turtle.yaml "$@"; }

if [ "${1:-}" = down ]; then
  for s in web cache worker; do turtle stop "$s" >/dev/null 2>&1 || true; done
  docker -H "$TURTLE_DC1_ENGINE" rm -f $(docker -H "$TURTLE_DC1_ENGINE" ps -aq --filter label=io.turtle.project=demo) >/dev/null 2>&1 || true
  podman --root /var/lib/turtle-test/podman --runroot /run/turtle-test/podman-run rm -f --filter label=io.turtle.project=demo >/dev/null 2>&1 || true
  rm -f "$TURTLE_STATE"*
  echo "demo removed (the engines keep running: bash scripts/engines.sh stop)"
  exit 0
fi

say "installing npm packages and building turtle"
bash scripts/setup.sh
npm run build --silent

say "starting private Docker (dc1) and Podman (dc2) engines with local images"
bash scripts/engines.sh start

say "turtle validate"
turtle validate

say "turtle plan"
turtle plan

say "turtle deploy"
turtle deploy

say "turtle ps"
turtle ps

say "the web service on both sites"
echo "dc1: $(curl -s http://127.0.0.1:8080/)"
echo "dc2: $(curl -s http://127.0.0.1:8081/)"

say "turtle deploy again: nothing to do"
turtle deploy

say "turtle history"
turtle history

cat <<EOT

Where to look: paste these two lines, then try the commands below.
  export TURTLE_DC1_ENGINE=$TURTLE_DC1_ENGINE TURTLE_DC2_ENGINE=$TURTLE_DC2_ENGINE TURTLE_STATE=$TURTLE_STATE
  alias turtle="node $PWD/bin/turtle.js -f $PWD/examples/turtle.yaml"

  turtle ps                what runs on each site
  turtle logs worker       both replicas' logs, merged in time order
  turtle top               live CPU and memory (Ctrl-C to quit)
  turtle history 1         the steps of the first deployment, with timings
  turtle stop web --site dc2; turtle deploy; turtle start web     a stop survives deploys
  curl http://127.0.0.1:8080/   (dc1)    curl http://127.0.0.1:8081/   (dc2)
Remove it with: bash scripts/demo.sh down
EOT
