# shellcheck shell=bash
# Sourced by scripts/demo.sh: brings the demo's sites up (the three-site test bed, or two agents and an
# observer on loopback ports against the private engines) and takes down everything the demo started.
# Uses the caller's ROOT, DEMO, say, note, die, turtle.

LOOPBACK_DC1_AGENT_PORT=${TURTLE_DEMO_DC1_AGENT_PORT:-17443}
LOOPBACK_DC2_AGENT_PORT=${TURTLE_DEMO_DC2_AGENT_PORT:-17444}
LOOPBACK_DC1_WEB_PORT=${TURTLE_DEMO_DC1_WEB_PORT:-18080}
LOOPBACK_DC2_WEB_PORT=${TURTLE_DEMO_DC2_WEB_PORT:-18081}
LOOPBACK_OBSERVER=127.0.0.1:${TURTLE_DEMO_OBSERVER_PORT:-18088}
PRIVATE_DOCKER=unix:///run/turtle-test/docker.sock
PRIVATE_PODMAN=unix:///run/turtle-test/podman.sock
TESTBED_RUN=/run/turtle-testbed
PROJECT=turtle-demo

# The demo's environment, written once the mode is known: the CLI, `down` and the reader all source it.
write_env() { # mode
  local mode=$1 identity dc1_agent dc2_agent dc1_port dc2_port dc1_engine dc2_engine observer proxy_dir=
  if [ "$mode" = testbed ]; then
    identity=$TESTBED_RUN/operator
    dc1_agent=https://10.231.0.11:7443 dc2_agent=https://10.231.0.12:7443 dc1_port=8080 dc2_port=8080
    dc1_engine=unix://$TESTBED_RUN/dc1/docker.sock dc2_engine=unix://$TESTBED_RUN/dc2/podman.sock
    observer=10.231.0.13:8080
  else
    identity=$DEMO/operator
    dc1_agent=https://127.0.0.1:$LOOPBACK_DC1_AGENT_PORT dc2_agent=https://127.0.0.1:$LOOPBACK_DC2_AGENT_PORT
    dc1_port=$LOOPBACK_DC1_WEB_PORT dc2_port=$LOOPBACK_DC2_WEB_PORT
    dc1_engine=$PRIVATE_DOCKER dc2_engine=$PRIVATE_PODMAN observer=$LOOPBACK_OBSERVER
    # the site proxies' admin sockets: the CLI renders the path and the agents use it, so both read it here
    proxy_dir="export TURTLE_PROXY_DIR=$DEMO/proxy"
  fi
  mkdir -p "$DEMO"
  # a copy, so that turtle.secrets/ (sealed to this run's agents) is written beside it and not in the repository
  cp "$ROOT/examples/turtle.demo.yaml" "$DEMO/turtle.yaml"
  rm -f "$DEMO"/turtle.secrets/dc*.yaml
  cat >"$DEMO/env" <<EOF
# written by scripts/demo.sh ($mode mode): source it to drive the demo's sites yourself
export TURTLE_DEMO_MODE=$mode
export TURTLE_FILE=$DEMO/turtle.yaml
export TURTLE_STATE=$DEMO/state.db
export TURTLE_IDENTITY=$identity
export TURTLE_DEMO_DC1_AGENT=$dc1_agent TURTLE_DEMO_DC2_AGENT=$dc2_agent
export TURTLE_DEMO_DC1_PORT=$dc1_port TURTLE_DEMO_DC2_PORT=$dc2_port
export TURTLE_DEMO_DC1_ENGINE=$dc1_engine TURTLE_DEMO_DC2_ENGINE=$dc2_engine
export TURTLE_DEMO_OBSERVER=$observer
$proxy_dir
alias turtle="node $ROOT/bin/turtle.js"
EOF
  # shellcheck source=/dev/null
  source "$DEMO/env"
}

# The web service's address on each site, as a client sees it from this host.
web_url() { # site
  if [ "$TURTLE_DEMO_MODE" = testbed ]; then
    if [ "$1" = dc1 ]; then echo "http://10.231.0.11:$TURTLE_DEMO_DC1_PORT/"; else echo "http://10.231.0.12:$TURTLE_DEMO_DC2_PORT/"; fi
  elif [ "$1" = dc1 ]; then echo "http://127.0.0.1:$TURTLE_DEMO_DC1_PORT/"
  else echo "http://127.0.0.1:$TURTLE_DEMO_DC2_PORT/"; fi
}

# An engine's CLI for a site (only the demo's own steps use it: a container removed by hand, and cleanup).
engine() { # site args...
  local site=$1; shift
  if [ "$site" = dc1 ]; then
    docker -H "$TURTLE_DEMO_DC1_ENGINE" "$@"
  elif [ "$TURTLE_DEMO_MODE" = testbed ]; then
    CONTAINERS_CONF=$TESTBED_RUN/dc2/containers.conf podman --root /var/lib/turtle-testbed/dc2/podman \
      --runroot "$TESTBED_RUN/dc2/podman-run" --tmpdir "$TESTBED_RUN/dc2/podman-tmp" \
      --network-config-dir /var/lib/turtle-testbed/dc2/networks "$@"
  else
    podman --root /var/lib/turtle-test/podman --runroot /run/turtle-test/podman-run "$@"
  fi
}

# One request to a site's agent with the operator's certificate.
agent_api() { # site method path [body]
  local url=$TURTLE_DEMO_DC1_AGENT body=()
  [ "$1" = dc2 ] && url=$TURTLE_DEMO_DC2_AGENT
  [ -n "${4:-}" ] && body=(-H 'content-type: application/json' --data "$4")
  curl -sS --max-time 10 --cacert "$TURTLE_IDENTITY/ca.pem" --cert "$TURTLE_IDENTITY/cert.pem" --key "$TURTLE_IDENTITY/key.pem" \
    -X "$2" "${body[@]}" "$url$3"
}

wait_until() { # seconds what command...
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs * 4; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  die "$what within ${secs}s"
}

port_free() { ! ss -ltn "( sport = :$1 )" 2>/dev/null | grep -q LISTEN; }

# A process the demo starts: its pid goes to $DEMO/NAME.pid, its output to $DEMO/NAME.log. The shell writes
# its own pid and then execs, because setsid may fork.
start_process() { # name dir command...
  local name=$1 dir=$2; shift 2
  # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
  (cd "$dir" && exec setsid sh -c 'echo $$ >"$0"; exec "$@"' "$DEMO/$name.pid" "$@" >"$DEMO/$name.log" 2>&1 </dev/null &)
  wait_until 5 "$name did not start (see $DEMO/$name.log)" test -s "$DEMO/$name.pid"
}

# ---- loopback: two agents on this host's private engines ----

loopback_pki() {
  local ca=$DEMO/ca
  say "a certificate authority for the demo in $ca, and certificates for both agents, you (operator) and the observer"
  note "turtle ca init --ca-dir $ca; turtle ca issue --role agent|operator|observer …"
  turtle ca init --ca-dir "$ca" --name "turtle demo CA" >/dev/null
  turtle ca issue --ca-dir "$ca" --role agent --name dc1 --host 127.0.0.1 --out "$DEMO/dc1/tls" >/dev/null
  turtle ca issue --ca-dir "$ca" --role agent --name dc2 --host 127.0.0.1 --out "$DEMO/dc2/tls" >/dev/null
  turtle ca issue --ca-dir "$ca" --role operator --name demo-operator --out "$DEMO/operator" >/dev/null
  # the observer's certificate also serves its dashboard (mutual TLS): it names the address browsers use
  turtle ca issue --ca-dir "$ca" --role observer --name demo-observer --host 127.0.0.1,localhost --out "$DEMO/observer" >/dev/null
}

loopback_agent() { # site runtime engine port
  local site=$1 runtime=$2 eng=$3 port=$4
  port_free "$port" || die "port $port (${site}'s agent) is taken; choose another with TURTLE_DEMO_${site^^}_AGENT_PORT"
  note "turtle agent --site $site --runtime $runtime --engine $eng --listen 127.0.0.1:$port --tls-dir $DEMO/$site/tls"
  # its folder is its working directory, so no turtle.yaml is read by accident. The governor is off, as on
  # the test bed: every agent on this host shares its one /turtle cgroup (kernel weights still apply). The
  # firewall too: they share this host's network namespace (the test-bed demo's agents each have their own).
  TURTLE_GOVERNOR=off TURTLE_FIREWALL=off NODE_OPTIONS='--max-semi-space-size=1 --max-old-space-size=64' \
    start_process "$site-agent" "$DEMO/$site" node "$ROOT/bin/turtle.js" --state "$DEMO/$site/agent.db" agent --site "$site" \
    --runtime "$runtime" --engine "$eng" --listen "127.0.0.1:$port" --tls-dir "$DEMO/$site/tls" --resync 5
  wait_until 30 "${site}'s agent did not answer (see $DEMO/$site-agent.log)" agent_api "$site" GET /v1/desired
}

loopback_up() {
  say "starting private Docker (dc1) and Podman (dc2) engines with the busybox test images"
  bash "$ROOT/scripts/engines.sh" start
  say "building the site proxy's image (HAProxy from Debian) into both engines"
  bash "$ROOT/scripts/proxy-image.sh" "$PRIVATE_DOCKER" "$PRIVATE_PODMAN"
  local p
  for p in "$LOOPBACK_DC1_WEB_PORT" "$LOOPBACK_DC2_WEB_PORT" "${LOOPBACK_OBSERVER##*:}"; do
    port_free "$p" || die "port $p is taken; choose others with TURTLE_DEMO_DC1_WEB_PORT, TURTLE_DEMO_DC2_WEB_PORT, TURTLE_DEMO_OBSERVER_PORT"
  done
  mkdir -p "$DEMO/dc1" "$DEMO/dc2"
  loopback_pki
  say "starting a turtle agent per site, on loopback ports (mutual TLS)"
  loopback_agent dc1 docker "$PRIVATE_DOCKER" "$LOOPBACK_DC1_AGENT_PORT"
  loopback_agent dc2 podman "$PRIVATE_PODMAN" "$LOOPBACK_DC2_AGENT_PORT"
  echo "dc1: agent at $TURTLE_DEMO_DC1_AGENT driving Docker; dc2: agent at $TURTLE_DEMO_DC2_AGENT driving Podman"
}

# ---- the test bed: three network namespaces, each router with its own engine and agent ----

testbed_answers() { bash "$ROOT/scripts/testbed.sh" status 2>/dev/null | grep -c 'agent https://.*: answers' | grep -qx 2; }

testbed_up() {
  say "starting private Docker and Podman engines (the test bed copies its images from them)"
  bash "$ROOT/scripts/engines.sh" start
  if testbed_answers; then
    say "the three-site test bed is already up: the demo uses it and leaves it up"
  else
    say "bringing up the three-site test bed: namespaces dc1 (Docker), dc2 (Podman), dc3 (observer), an agent on each router"
    touch "$DEMO/testbed-ours"
    bash "$ROOT/scripts/testbed.sh" up
  fi
  echo "dc1: agent at $TURTLE_DEMO_DC1_AGENT (Docker in namespace dc1); dc2: agent at $TURTLE_DEMO_DC2_AGENT (Podman in namespace dc2)"
}

# ---- the observer ----

observer_up() {
  local tls=$DEMO/observer cmd=()
  if [ "$TURTLE_DEMO_MODE" = testbed ]; then tls=$TESTBED_RUN/observer; cmd=(nsenter --net=/run/netns/dc3); fi
  note "${cmd[*]:+${cmd[*]} }turtle observer --tls-dir $tls --listen $TURTLE_DEMO_OBSERVER"
  start_process observer "$DEMO" "${cmd[@]}" node "$ROOT/bin/turtle.js" --state "$DEMO/observer.db" observer \
    --tls-dir "$tls" --listen "$TURTLE_DEMO_OBSERVER"
  wait_until 30 "the observer did not start (see $DEMO/observer.log)" grep -q 'dashboard on' "$DEMO/observer.log"
  grep 'dashboard on' "$DEMO/observer.log"
  local base=https://$TURTLE_DEMO_OBSERVER
  note "curl --cacert ca.pem $base/api/v1/summary    (no client certificate)"
  curl -sS --max-time 10 --cacert "$TURTLE_IDENTITY/ca.pem" "$base/api/v1/summary"; echo
  note "curl --cacert ca.pem --cert operator/cert.pem --key operator/key.pem $base/api/v1/summary"
  curl -sS --max-time 10 --cacert "$TURTLE_IDENTITY/ca.pem" --cert "$TURTLE_IDENTITY/cert.pem" --key "$TURTLE_IDENTITY/key.pem" "$base/api/v1/summary" \
    | node -e 'let t="";process.stdin.on("data",(d)=>(t+=d)).on("end",()=>{const s=JSON.parse(t);console.log("  the summary: "+s.sites.map((x)=>x.name+(x.reachable?" reachable, ":" unreachable, ")+x.services.length+" services").join("; "))})'
  # for a browser: the operator's certificate as one PKCS#12 file to import
  if command -v openssl >/dev/null; then
    openssl pkcs12 -export -in "$TURTLE_IDENTITY/cert.pem" -inkey "$TURTLE_IDENTITY/key.pem" -certfile "$TURTLE_IDENTITY/ca.pem" \
      -name turtle-operator -out "$DEMO/operator.p12" -passout pass:turtle 2>/dev/null && echo "  for a browser: import $DEMO/operator.p12 (password: turtle)"
  fi
}

# ---- down ----

stop_pid() { # name
  local f=$DEMO/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "stopping $1 (pid $pid)"
    # its process group (setsid made it the leader): a client loop's curl goes with it
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

demo_containers() { # site
  engine "$1" ps -aq --filter "label=io.turtle.project=$PROJECT" 2>/dev/null || true
}

remove_containers() { # site
  local ids; ids=$(demo_containers "$1")
  if [ -n "$ids" ]; then
    echo "$1: removing $(echo "$ids" | wc -l) container(s) of $PROJECT"
    # shellcheck disable=SC2086 # one id per word
    engine "$1" rm -f $ids >/dev/null 2>&1 || true
  fi
  # its networks too: each one left behind takes one of the engine's address pools
  ids=$(engine "$1" network ls -q --filter "label=io.turtle.project=$PROJECT" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one id per word
  [ -n "$ids" ] && { engine "$1" network rm $ids >/dev/null 2>&1 || true; }
}

demo_down() {
  if [ ! -f "$DEMO/env" ]; then echo "demo: nothing to remove ($DEMO does not exist)"; return 0; fi
  # shellcheck source=/dev/null
  source "$DEMO/env"
  local pid
  for pid in "$DEMO"/load-*.pid; do [ -e "$pid" ] && stop_pid "$(basename "$pid" .pid)"; done
  stop_pid observer
  if [ "$TURTLE_DEMO_MODE" = testbed ]; then
    if [ -f "$DEMO/testbed-ours" ]; then
      echo "taking down the test bed the demo brought up"
      bash "$ROOT/scripts/testbed.sh" down
    elif testbed_answers; then
      # the test bed is someone else's: its agents are told to run nothing of the demo, and remove it
      local site empty
      empty="{\"project\":\"$PROJECT\",\"specHash\":\"$(printf '0%.0s' {1..64})\",\"containers\":[]}"
      for site in dc1 dc2; do
        echo "$site: asking its agent to run nothing of $PROJECT"
        agent_api "$site" PUT /v1/desired "$empty" >/dev/null || true
      done
      for site in dc1 dc2; do
        for _ in $(seq 1 60); do [ -z "$(demo_containers "$site")" ] && break; sleep 0.5; done
        remove_containers "$site"
      done
    fi
  else
    stop_pid dc1-agent
    stop_pid dc2-agent
    remove_containers dc1
    remove_containers dc2
  fi
  # on the test bed the agents keep their proxies' sockets in the default place (loopback: under $DEMO)
  if [ "$TURTLE_DEMO_MODE" = testbed ]; then rm -rf "/run/turtle/proxy/$PROJECT"; fi
  rm -rf "$DEMO"
  echo "demo removed (the private engines keep running: bash scripts/engines.sh stop)"
}
