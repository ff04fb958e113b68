#!/usr/bin/env bash
# The three-site test bed on one machine: `bash scripts/testbed.sh up|down|cut SITE|heal SITE|status|env`.
#
#   up      network namespaces dc1 dc2 dc3 on a bridge (host 10.231.0.1; sites .11 .12 .13); dc1 runs a
#           dockerd of its own, dc2 a Podman API service of its own, dc3 is left for the observer; dc1 and
#           dc2 each run a turtle agent (the built bundle) at https://<site address>:7443, with certificates
#           from a test-bed CA; the busybox test images are copied in from the private Docker engine, and
#           the site proxy's image (turtle/haproxy:2.6) is built from Debian's haproxy into both engines.
#   down    removes everything `up` made (also after a crashed run): processes, containers, mounts,
#           namespaces, veths, the bridge, iptables rules, folders. Idempotent.
#   cut S   cuts site S off (`ip link set` on its veth; `cut S firewall` drops its traffic with iptables).
#   heal S  undoes either cut.
#   status  what is up, one line per site.
#   restart-engine S   stops site S's engine (dc1's dockerd, dc2's Podman service) and starts it again.
#   kill-agent S       kill -9 of site S's agent; `start-agent S` starts it again (faults for benchmarks).
#   env     the addresses, sockets and identities, as shell variables (tests and other scripts read these).
#
# Never touches the private engines of scripts/engines.sh (it only reads their images) nor a system engine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD

RUN=/run/turtle-testbed          # sockets, pidfiles, logs, certificates, agent stores
DATA=/var/lib/turtle-testbed     # engine storage
BRIDGE=tbed0
HOST_ADDR=10.231.0.1
PREFIX=24
SITES=(dc1 dc2 dc3)
declare -A ADDR=([dc1]=10.231.0.11 [dc2]=10.231.0.12 [dc3]=10.231.0.13)
declare -A ENGINE=([dc1]=docker [dc2]=podman [dc3]=none)
AGENT_PORT=7443
DC1_BIP=172.31.101.1/24          # dc1's docker0, inside its namespace; away from the private engine's /24s
TAG=turtle-testbed               # iptables comment: every host rule this script adds carries it
SHARED_DOCKER=unix:///run/turtle-test/docker.sock
IMAGES=(turtle-test/web:1 turtle-test/web:2 turtle-test/web:3 turtle-test/web:broken turtle-test/tools:1)
PACKAGES=(iproute2 iptables util-linux curl docker.io podman)
WAIT_S=${TURTLE_TESTBED_WAIT_S:-60}

say() { echo "testbed: $*"; }
die() { echo "testbed: error: $*" >&2; exit 1; }
# shellcheck source=scripts/_packages.sh
source "$ROOT_DIR/scripts/_packages.sh"
run() { echo "testbed: + $*"; "$@"; }

veth() { echo "tbed-$1"; }
ns_path() { echo "/run/netns/$1"; }
in_ns() { local s=$1; shift; nsenter --net="$(ns_path "$s")" "$@"; }
docker_dc1() { docker -H "unix://$RUN/dc1/docker.sock" "$@"; }
# dc2's Podman: its own storage, run root, tmp dir (its events and file locks: the default SHM lock segment
# is one per machine, shared with every other rootful Podman), network config and containers.conf.
podman_dc2() {
  CONTAINERS_CONF=$RUN/dc2/containers.conf podman --root "$DATA/dc2/podman" --runroot "$RUN/dc2/podman-run" \
    --tmpdir "$RUN/dc2/podman-tmp" --network-config-dir "$DATA/dc2/networks" "$@"
}

# Engines and agents must not inherit the caller's file descriptors: under `flock /tmp/turtle-testbed.lock
# bash scripts/testbed.sh up` (or a test run under it) they would keep the lock held until `down` killed them,
# and every other user of the test bed would wait for ever. Call first thing in the daemon's subshell.
close_fds() { local fd; for fd in $(ls "/proc/$BASHPID/fd"); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi; done; }

# A process that is gone, or a zombie not yet reaped (PID 1 here reaps late, and `kill -0` still succeeds then).
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]; }

need_root() { [ "$(id -u)" = 0 ] || die "the test bed needs root (namespaces, bridges, engines)"; }

install_packages() { install_debian_packages "" "${PACKAGES[@]}"; }

ping_sock() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

wait_for() { # what log command...
  local what=$1 log=$2 i; shift 2
  for ((i = 0; i < WAIT_S * 4; i++)); do
    "$@" && return 0
    sleep 0.25
  done
  echo "testbed: error: $what not ready within ${WAIT_S}s; last lines of $log:" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
}

# ---- network ----

ensure_network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    run ip link add "$BRIDGE" type bridge
    run ip addr add "$HOST_ADDR/$PREFIX" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # bridged packets go through the host's FORWARD chain (br_netfilter), whose policy is DROP here
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT 2>/dev/null ||
    run iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$TAG" -j ACCEPT
  local s
  for s in "${SITES[@]}"; do ensure_site_net "$s"; done
}

ensure_site_net() {
  local s=$1 v; v=$(veth "$1")
  [ -e "$(ns_path "$s")" ] || run ip netns add "$s"
  if ! ip link show "$v" >/dev/null 2>&1; then
    run ip link add "$v" type veth peer name eth0 netns "$s"
    run ip link set "$v" master "$BRIDGE"
    run in_ns "$s" ip addr add "${ADDR[$s]}/$PREFIX" dev eth0
  fi
  ip link set "$v" up
  in_ns "$s" ip link set lo up
  in_ns "$s" ip link set eth0 up
  in_ns "$s" ip route replace default via "$HOST_ADDR"
}

# ---- engines ----

start_dockerd() { # dc1
  local d=$RUN/dc1
  if ping_sock "$d/docker.sock"; then say "dc1: dockerd already answers on unix://$d/docker.sock"; return 0; fi
  mkdir -p "$d" "$DATA/dc1/docker"
  say "dc1: starting dockerd in namespace dc1 on unix://$d/docker.sock (bip $DC1_BIP)"
  ( close_fds; exec setsid nsenter --net="$(ns_path dc1)" dockerd --host "unix://$d/docker.sock" --data-root "$DATA/dc1/docker" \
    --exec-root "$d/docker-exec" --pidfile "$d/docker.pid" --bip "$DC1_BIP" ) >"$d/dockerd.log" 2>&1 </dev/null &
  wait_for "dc1's dockerd" "$d/dockerd.log" ping_sock "$d/docker.sock"
}

start_podman() { # dc2
  local d=$RUN/dc2
  if ping_sock "$d/podman.sock"; then say "dc2: podman already answers on unix://$d/podman.sock"; return 0; fi
  mkdir -p "$d" "$DATA/dc2/podman" "$DATA/dc2/networks"
  cat >"$d/containers.conf" <<'EOF'
# written by turtle scripts/testbed.sh: dc2's own Podman (no CAP_SYS_RESOURCE here; file locks, not the shared SHM segment)
[containers]
default_ulimits = []
[engine]
lock_type = "file"
events_logger = "file"
EOF
  rm -f "$d/podman.sock"
  say "dc2: starting podman system service in namespace dc2 on unix://$d/podman.sock"
  ( close_fds; export CONTAINERS_CONF=$d/containers.conf; exec setsid nsenter --net="$(ns_path dc2)" sh -c 'echo $$ >"$0"; exec "$@"' "$d/podman.pid" \
    podman --root "$DATA/dc2/podman" --runroot "$d/podman-run" --tmpdir "$d/podman-tmp" \
    --network-config-dir "$DATA/dc2/networks" system service --time=0 "unix://$d/podman.sock" ) >"$d/podman.log" 2>&1 </dev/null &
  wait_for "dc2's podman" "$d/podman.log" ping_sock "$d/podman.sock"
}

# The test images come from the private Docker engine (scripts/engines.sh builds them): saved once, loaded
# into each site's engine, so no site ever needs a registry.
load_images() {
  local want=() ref tar=$RUN/images.tar
  ping_sock "${SHARED_DOCKER#unix://}" || die "the private Docker engine ($SHARED_DOCKER) does not answer: run bash scripts/engines.sh start first"
  for ref in "${IMAGES[@]}"; do
    docker -H "$SHARED_DOCKER" image inspect "$ref" >/dev/null 2>&1 || die "$ref is missing from $SHARED_DOCKER: run bash scripts/engines.sh start"
  done
  for ref in "${IMAGES[@]}"; do docker_dc1 image inspect "$ref" >/dev/null 2>&1 || want+=(dc1); done
  for ref in "${IMAGES[@]}"; do podman_dc2 image exists "localhost/$ref" 2>/dev/null || want+=(dc2); done
  [ ${#want[@]} -eq 0 ] && { say "test images already in dc1 and dc2"; return 0; }
  say "saving ${IMAGES[*]} from $SHARED_DOCKER"
  docker -H "$SHARED_DOCKER" save -o "$tar" "${IMAGES[@]}"
  if [[ " ${want[*]} " == *" dc1 "* ]]; then say "dc1: docker load"; docker_dc1 load -q -i "$tar" >/dev/null; fi
  if [[ " ${want[*]} " == *" dc2 "* ]]; then say "dc2: podman load"; podman_dc2 load -q -i "$tar" >/dev/null; fi
  rm -f "$tar"
}

# ---- agents ----

ca() { node "$ROOT_DIR/bin/turtle.js" ca "$@" --ca-dir "$RUN/ca" >/dev/null; }

ensure_pki() {
  [ -f "$ROOT_DIR/dist/turtle.mjs" ] || die "the CLI is not built: run npm run build first"
  if [ ! -f "$RUN/ca/ca.crt" ]; then
    say "creating the test-bed CA in $RUN/ca"
    node "$ROOT_DIR/bin/turtle.js" ca init --ca-dir "$RUN/ca" --name "turtle test-bed CA" >/dev/null
  fi
  local s
  for s in dc1 dc2; do
    [ -f "$RUN/$s/tls/cert.pem" ] && continue
    say "$s: agent certificate for ${ADDR[$s]}"
    ca issue --role agent --name "$s" --host "${ADDR[$s]}" --out "$RUN/$s/tls"
  done
  [ -f "$RUN/operator/cert.pem" ] || { say "operator certificate in $RUN/operator"; ca issue --role operator --name testbed-operator --out "$RUN/operator"; }
  [ -f "$RUN/observer/cert.pem" ] || { say "observer certificate in $RUN/observer"; ca issue --role observer --name testbed-observer --host "${ADDR[dc3]},127.0.0.1,localhost" --out "$RUN/observer"; }
}

agent_answers() { # site: the TLS handshake with the operator's identity succeeds and /v1/desired answers
  curl -s --max-time 2 -o /dev/null --cacert "$RUN/operator/ca.pem" --cert "$RUN/operator/cert.pem" --key "$RUN/operator/key.pem" \
    "https://${ADDR[$1]}:$AGENT_PORT/v1/desired"
}

start_agent() { # site
  local s=$1 d=$RUN/$1 engine
  if [ -f "$d/agent.pid" ] && alive "$(cat "$d/agent.pid")"; then say "$s: agent already runs (pid $(cat "$d/agent.pid"))"; return 0; fi
  if [ "${ENGINE[$s]}" = docker ]; then engine=unix://$d/docker.sock; else engine=unix://$d/podman.sock; fi
  say "$s: starting turtle agent in namespace $s on https://${ADDR[$s]}:$AGENT_PORT (${ENGINE[$s]} at $engine)"
  # its folder is its working directory, so a turtle.yaml wherever this ran is never read; the shell writes
  # its own pid (the agent's, after exec) because setsid may fork
  cd "$d"
  # the sites share this host's one /turtle cgroup: their governors would all act on it (kernel weights only)
  ( close_fds; export TURTLE_GOVERNOR=off NODE_OPTIONS='--max-semi-space-size=1 --max-old-space-size=64'
    exec setsid nsenter --net="$(ns_path "$s")" sh -c 'echo $$ >"$0"; exec "$@"' "$d/agent.pid" \
    node "$ROOT_DIR/bin/turtle.js" --state "$d/agent.db" agent --site "$s" --runtime "${ENGINE[$s]}" --engine "$engine" \
    --listen "${ADDR[$s]}:$AGENT_PORT" --tls-dir "$d/tls" --resync "${TURTLE_TESTBED_RESYNC:-5}" ) >"$d/agent.log" 2>&1 </dev/null &
  cd "$ROOT_DIR"
  wait_for "$s's agent" "$d/agent.log" agent_answers "$s"
}

up() {
  need_root
  install_packages
  mkdir -p "$RUN" "$DATA"
  ensure_network
  start_dockerd
  start_podman
  load_images
  # the site proxy's image, for services with `proxy:` (built from Debian's haproxy; see docs/decisions/0005)
  bash "$ROOT_DIR/scripts/proxy-image.sh" "unix://$RUN/dc1/docker.sock" "unix://$RUN/dc2/podman.sock" | sed 's/^/testbed: /'
  ensure_pki
  start_agent dc1
  start_agent dc2
  say "up: dc1 ${ADDR[dc1]} (docker), dc2 ${ADDR[dc2]} (podman), dc3 ${ADDR[dc3]} (observer); host $HOST_ADDR; bash scripts/testbed.sh env"
}

# ---- teardown ----

# Every process in a site's namespace (engines, shims, conmons, agents), and every container process of the
# test bed's engines: those live in namespaces of their own, so they are found by their container IDs (read
# from the engines' storage, which outlives a crash) in their cgroup paths.
testbed_pids() {
  local s ids
  for s in "${SITES[@]}"; do
    if [ -e "$(ns_path "$s")" ]; then ip netns pids "$s" 2>/dev/null || true; fi
  done
  ids=$( { ls "$DATA/dc1/docker/containers" 2>/dev/null; ls "$DATA/dc2/podman/overlay-containers" 2>/dev/null; } | grep -E '^[0-9a-f]{64}$' || true)
  if [ -n "$ids" ]; then
    grep -l -F "$ids" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 || true
  fi
}

stop_pidfile() { # name pidfile
  [ -f "$2" ] || return 0
  local pid; pid=$(cat "$2")
  if alive "$pid"; then
    say "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.25; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
}

down() {
  need_root
  stop_pidfile "dc1's agent" "$RUN/dc1/agent.pid"
  stop_pidfile "dc2's agent" "$RUN/dc2/agent.pid"
  local ids
  if ping_sock "$RUN/dc1/docker.sock"; then
    ids=$(docker_dc1 ps -aq)
    [ -n "$ids" ] && { say "dc1: removing $(echo "$ids" | wc -l) container(s)"; docker_dc1 rm -f $ids >/dev/null 2>&1 || true; }
    ids=$(docker_dc1 network ls -q --filter label=io.turtle.managed 2>/dev/null || true)
    [ -n "$ids" ] && { docker_dc1 network rm $ids >/dev/null 2>&1 || true; }
  fi
  if [ -d "$DATA/dc2/podman" ]; then
    ids=$(podman_dc2 ps -aq 2>/dev/null || true)
    [ -n "$ids" ] && { say "dc2: removing $(echo "$ids" | wc -l) container(s)"; podman_dc2 rm -f -t 1 $ids >/dev/null 2>&1 || true; }
    ids=$(podman_dc2 network ls -q --filter label=io.turtle.managed 2>/dev/null || true)
    [ -n "$ids" ] && { podman_dc2 network rm $ids >/dev/null 2>&1 || true; }
  fi
  stop_pidfile "dc1's dockerd" "$RUN/dc1/docker.pid"
  stop_pidfile "dc2's podman service" "$RUN/dc2/podman.pid"
  local pids
  pids=$(testbed_pids | sort -u | tr '\n' ' ')
  if [ -n "${pids// /}" ]; then
    say "killing leftover processes: $pids"
    kill -9 $pids 2>/dev/null || true
    sleep 0.5
  fi
  unmount_all
  iptables_clean
  local s v
  for s in "${SITES[@]}"; do
    v=$(veth "$s")
    if ip link show "$v" >/dev/null 2>&1; then run ip link del "$v"; fi
    if [ -e "$(ns_path "$s")" ]; then run ip netns del "$s"; fi
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then run ip link del "$BRIDGE"; fi
  if [ -d "$RUN" ] || [ -d "$DATA" ]; then run rm -rf "$RUN" "$DATA"; fi
  say "down: nothing of the test bed is left"
}

# Overlay, shm and netns mounts the engines made under the test bed's folders, deepest first.
unmount_all() {
  local m
  for m in $(awk '{print $2}' /proc/self/mounts | grep -E "^($RUN|$DATA)(/|$)" | sort -r); do
    run umount -l "$m" || true
  done
}

iptables_clean() {
  local table rule
  for table in filter nat; do
    while read -r rule; do
      if [ -n "$rule" ]; then eval "run iptables -t $table $rule" || true; fi
    done <<<"$(iptables -t "$table" -S 2>/dev/null | grep -- "--comment $TAG" | sed 's/^-A /-D /' || true)"
  done
}

# ---- faults ----

check_site() { [ -n "${ADDR[$1]:-}" ] || die "unknown site \`$1\` (sites: ${SITES[*]})"; }

cut_site() { # site [link|firewall]
  need_root; check_site "$1"
  case ${2:-link} in
    link) run ip link set "$(veth "$1")" down ;;
    firewall)
      # FORWARD: the other sites (bridged); INPUT/OUTPUT: the host itself
      iptables -C FORWARD -s "${ADDR[$1]}" -m comment --comment "$TAG" -j DROP 2>/dev/null || {
        run iptables -I FORWARD 1 -s "${ADDR[$1]}" -m comment --comment "$TAG" -j DROP
        run iptables -I FORWARD 1 -d "${ADDR[$1]}" -m comment --comment "$TAG" -j DROP
        run iptables -I INPUT 1 -s "${ADDR[$1]}" -m comment --comment "$TAG" -j DROP
        run iptables -I OUTPUT 1 -d "${ADDR[$1]}" -m comment --comment "$TAG" -j DROP
      } ;;
    *) die "cut how? link (default) or firewall" ;;
  esac
  say "$1 is cut off"
}

heal_site() { # site
  need_root; check_site "$1"
  run ip link set "$(veth "$1")" up
  local chain rule
  for chain in FORWARD INPUT OUTPUT; do
    while read -r rule; do
      if [ -n "$rule" ]; then eval "run iptables $rule"; fi
    done <<<"$(iptables -S "$chain" | grep -- "--comment $TAG" | grep -E -- "(-s|-d) ${ADDR[$1]}/32" | sed 's/^-A /-D /' || true)"
  done
  say "$1 is reachable again"
}

restart_engine() { # site
  need_root; check_site "$1"
  case ${ENGINE[$1]} in
    docker) stop_pidfile "dc1's dockerd" "$RUN/dc1/docker.pid"; start_dockerd ;;
    podman) stop_pidfile "dc2's podman service" "$RUN/dc2/podman.pid"; start_podman ;;
    *) die "$1 runs no engine" ;;
  esac
}

kill_agent() { # site
  need_root; check_site "$1"
  local f=$RUN/$1/agent.pid
  [ -f "$f" ] && alive "$(cat "$f")" && kill -9 "$(cat "$f")" 2>/dev/null && say "$1: agent killed (pid $(cat "$f"))" || say "$1: no agent running"
}

status() {
  local s state agent engine
  ip link show "$BRIDGE" >/dev/null 2>&1 || { say "down"; return 0; }
  for s in "${SITES[@]}"; do
    if [ ! -e "$(ns_path "$s")" ]; then say "$s: no namespace"; continue; fi
    state=$(ip -br link show "$(veth "$s")" 2>/dev/null | awk '{print $2}')
    iptables -S INPUT 2>/dev/null | grep -q -- "-s ${ADDR[$s]}/32 .*$TAG" && state="$state, firewalled"
    engine=none; agent=none
    case ${ENGINE[$s]} in
      docker) ping_sock "$RUN/dc1/docker.sock" && engine="docker up" || engine="docker down" ;;
      podman) ping_sock "$RUN/dc2/podman.sock" && engine="podman up" || engine="podman down" ;;
    esac
    if [ "${ENGINE[$s]}" != none ]; then agent_answers "$s" && agent="answers" || agent="no answer"; fi
    say "$s ${ADDR[$s]}: link $state; engine: $engine; agent https://${ADDR[$s]}:$AGENT_PORT: $agent"
  done
}

env_vars() {
  cat <<EOF
TESTBED_HOST=$HOST_ADDR
TESTBED_DC1=${ADDR[dc1]}
TESTBED_DC2=${ADDR[dc2]}
TESTBED_DC3=${ADDR[dc3]}
TESTBED_DC1_ENGINE=unix://$RUN/dc1/docker.sock
TESTBED_DC2_ENGINE=unix://$RUN/dc2/podman.sock
TESTBED_DC1_AGENT=https://${ADDR[dc1]}:$AGENT_PORT
TESTBED_DC2_AGENT=https://${ADDR[dc2]}:$AGENT_PORT
TESTBED_CA_DIR=$RUN/ca
TESTBED_OPERATOR_TLS=$RUN/operator
TESTBED_OBSERVER_TLS=$RUN/observer
EOF
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  cut) [ -n "${2:-}" ] || die "usage: testbed.sh cut SITE [link|firewall]"; cut_site "$2" "${3:-link}" ;;
  heal) [ -n "${2:-}" ] || die "usage: testbed.sh heal SITE"; heal_site "$2" ;;
  status) status ;;
  restart-engine) [ -n "${2:-}" ] || die "usage: testbed.sh restart-engine SITE"; restart_engine "$2" ;;
  kill-agent) [ -n "${2:-}" ] || die "usage: testbed.sh kill-agent SITE"; kill_agent "$2" ;;
  start-agent) [ -n "${2:-}" ] || die "usage: testbed.sh start-agent SITE"; need_root; check_site "$2"; start_agent "$2" ;;
  env) env_vars ;;
  *) echo "usage: bash scripts/testbed.sh up|down|cut SITE [link|firewall]|heal SITE|restart-engine SITE|kill-agent SITE|start-agent SITE|status|env" >&2; exit 2 ;;
esac
