# shellcheck shell=bash
# Sourced by scripts/demo.sh: the demo's story, step by step. Uses everything demo.sh and its helpers define.

prepare() { # mode
  say "installing what turtle needs and building it"
  bash "$ROOT/scripts/setup.sh"
  if [ ! -f "$ROOT/dist/turtle.mjs" ] || [ -n "$(find "$ROOT/src" -newer "$ROOT/dist/turtle.mjs" -print -quit)" ]; then
    note "npm run build"
    npm run build --silent
  else
    echo "dist/ is newer than src/: already built"
  fi
  write_env "$1"
  if [ "$1" = testbed ]; then testbed_up; else loopback_up; fi
}

served() { # site: what its web service answers
  curl -sf --max-time 5 "$(web_url "$1")" || echo "no answer"
}

show_served() {
  echo "dc1 $(web_url dc1) answers: $(served dc1)"
  echo "dc2 $(web_url dc2) answers: $(served dc2)"
}

# `turtle drift` right after a change made behind turtle's back: exit 2 names it, and once dc1's agent has
# undone it, clean again. Exit 0 at once is fine too: the agent was quicker than the command.
drift_now() {
  local code=0
  note "${WEB_VERSION:+WEB_VERSION=$WEB_VERSION }turtle drift"
  turtle drift || code=$?
  case $code in
    2)
      echo "(exit 2: drift found, as expected)"
      wait_until 60 "dc1 did not become clean again" turtle drift
      echo "a moment later:"
      run 0 drift ;;
    0) echo "(exit 0: dc1's agent had already put it right)" ;;
    *) die "\`turtle drift\` exited $code (expected 2)" ;;
  esac
}

# The agent's own record of the last drift it undid on dc1.
agent_drift_events() {
  echo "dc1's agent recorded it (GET $TURTLE_DEMO_DC1_AGENT/v1/events):"
  # shellcheck disable=SC2016 # JavaScript, not shell
  agent_api dc1 GET '/v1/events?after=0&limit=10000' | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const e of JSON.parse(s).events.filter((e) => e.type.startsWith("drift.")).slice(-2)) console.log(`  ${e.time}  ${e.type}  ${e.message}`);
    });'
}

worker_on_dc1() {
  engine dc1 ps -q --filter "label=io.turtle.project=$PROJECT" --filter label=io.turtle.service=worker | head -1
}

# Changes made by hand on dc1: the agent undoes a removal at once (the engine's event), other changes at its
# next resync (every 5 s here, 30 s by default); meanwhile `turtle drift` names them.
drift_step() {
  local id
  id=$(worker_on_dc1)
  [ -n "$id" ] || die "no worker container on dc1"
  note "docker -H $TURTLE_DEMO_DC1_ENGINE rm -f $id"
  engine dc1 rm -f "$id" >/dev/null
  drift_now
  agent_drift_events

  echo
  echo "a change the agent finds only by looking (a memory limit) waits for its next resync, every 5 s here (30 s by default):"
  id=$(worker_on_dc1)
  note "docker -H $TURTLE_DEMO_DC1_ENGINE update --memory 64m --memory-swap 64m $id"
  engine dc1 update --memory 64m --memory-swap 64m "$id" >/dev/null
  drift_now
  agent_drift_events
}

where_to_look() {
  cat <<EOT

Where to look: paste this line, then try the commands below.
  source $DEMO/env      # exports TURTLE_FILE, TURTLE_STATE, TURTLE_IDENTITY, the sites' addresses; alias turtle

  turtle status                      each site's version, services' health, skew
  turtle ps                          what runs on each site (through its agent)
  turtle history 2                   the canary rollout of v2: each site's steps
  turtle logs worker                 both replicas' logs, merged in time order
  turtle top                         live CPU and memory (Ctrl-C to quit)
  WEB_VERSION=3 turtle deploy        roll out another version (dc2 first); WEB_VERSION=broken to see a rollback
  turtle drift                       what differs from $TURTLE_FILE
  curl $(web_url dc1)   curl $(web_url dc2)
  dashboard: https://$TURTLE_DEMO_OBSERVER/ (private: import $DEMO/operator.p12, password turtle, into the browser)
EOT
  if [ "$TURTLE_DEMO_MODE" = testbed ]; then
    echo "  (the dashboard listens in namespace dc3: from another machine, ssh -L 8080:$TURTLE_DEMO_OBSERVER HOST)"
    echo "  logs: $DEMO/observer.log, $TESTBED_RUN/dc1/agent.log, $TESTBED_RUN/dc2/agent.log"
  else
    echo "  logs: $DEMO/observer.log, $DEMO/dc1-agent.log, $DEMO/dc2-agent.log"
  fi
  echo
  echo "Remove it all with: bash scripts/demo.sh down"
}

story() { # mode
  prepare "$1"
  echo "spec: $TURTLE_FILE (web: turtle-test/web:\${WEB_VERSION:-1} behind each site's proxy; rollout order [dc2, dc1], bake 5s)"

  say "turtle validate: check the spec"
  run 0 validate

  say "a secret for dc1's workers: sealed to dc1's agent (only it can open it), delivered as a file"
  note 'head -c 24 /dev/urandom | base64 | turtle secret set token'
  head -c 24 /dev/urandom | base64 | turtle secret set token
  run 0 secret ls

  say "deploy v1 to both sites: dc2 (the canary) first, held healthy for 5 s, then dc1"
  run 0 deploy
  show_served
  echo "the workers read the token from /run/secrets/token (a tmpfs on dc1; the value is in no log, store or API):"
  wait_until 30 "no worker printed a line yet" sh -c "node '$ROOT/bin/turtle.js' logs worker --tail 1 | grep -q byte"
  run 0 logs worker --tail 2

  say "turtle status: each site's version and its services' health"
  run 0 status

  say "turtle audit: what in the spec weakens the routers, each with its fix (--fail-on high makes it a CI gate)"
  run 0 audit

  say "deploy v2 while a client per site requests the web service without pause"
  export WEB_VERSION=2
  load_start
  run 0 deploy
  load_stop
  show_served

  say "deploy a broken version (its health check fails): caught on dc2, rolled back there, dc1 never gets it"
  export WEB_VERSION=broken
  load_start
  run 3 deploy
  load_stop
  show_served
  export WEB_VERSION=2

  say "turtle history: every deployment, and each site's outcome"
  run 0 history

  say "changes made by hand on dc1: turtle drift names them, and dc1's agent undoes them"
  drift_step

  say "turtle rollback: back to v1 on both sites, in the same order and with the same gates"
  load_start
  run 0 rollback
  load_stop
  unset WEB_VERSION
  echo "(in this demo the spec takes web's version from WEB_VERSION: unset, turtle.demo.yaml says v1 again)"
  show_served
  run 0 status

  say "the observer: a read-only twin of both sites, with the dashboard"
  observer_up

  say "done in $((SECONDS - STARTED)) s ($1 mode)"
  where_to_look
}
