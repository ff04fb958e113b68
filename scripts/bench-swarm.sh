#!/usr/bin/env bash
# A throw-away single-node Docker Swarm for bench:heal's peer: `bash scripts/bench-swarm.sh start|stop`.
#
#   start   a network namespace of its own (reached from the host at 10.232.0.2 over a veth), a dockerd in
#           it with its own socket, data-root, exec-root, pidfile and --bip subnet, `docker swarm init` on
#           that dockerd only, and the busybox web image copied in from the private test engine. Prints
#           the socket and the address on its last two lines (SOCKET=..., ADDR=...).
#   stop    removes all of it: swarm services, the dockerd (and its containerd shims), the namespace, the
#           veth, the folders. Idempotent; safe after a crashed run.
#
# Why a namespace: `docker swarm init` and the dockerd's iptables chains then never touch the shared test
# engine (scripts/engines.sh) or the host's rules. No IPVS here, so services use endpoint_mode dnsrr and
# host-mode published ports (the bench does that).
set -euo pipefail

NS=turtle-bswarm
RUN=/run/turtle-bench-swarm
DATA=/var/lib/turtle-bench-swarm
SOCK=$RUN/docker.sock
HOST_VETH=tbsw-host
HOST_ADDR=10.232.0.1
NS_ADDR=10.232.0.2
BIP=10.232.1.1/24
POOL=10.232.64.0/18
SHARED_DOCKER=unix:///run/turtle-test/docker.sock
IMAGE=turtle-test/web:1
WAIT_S=${TURTLE_BENCH_SWARM_WAIT_S:-60}

say() { echo "bench-swarm: $*"; }
die() { echo "bench-swarm: error: $*" >&2; exit 1; }
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
dk() { docker -H "unix://$SOCK" "$@"; }
ping_sock() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }
# the daemon must not inherit the caller's descriptors (a flock held by `flock LOCK npm run bench:heal`)
close_fds() { local fd; for fd in $(ls "/proc/$BASHPID/fd"); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi; done; }

start() {
  [ "$(id -u)" = 0 ] || die "needs root (a namespace and a dockerd of its own)"
  mkdir -p "$RUN" "$DATA"
  if [ ! -e "/run/netns/$NS" ]; then
    ip netns add "$NS"
    ip link add "$HOST_VETH" type veth peer name eth0 netns "$NS"
    ip addr add "$HOST_ADDR/30" dev "$HOST_VETH"
    in_ns ip addr add "$NS_ADDR/30" dev eth0
  fi
  ip link set "$HOST_VETH" up
  in_ns ip link set lo up
  in_ns ip link set eth0 up
  if ! ping_sock "$SOCK"; then
    say "starting dockerd in namespace $NS on unix://$SOCK (bip $BIP)"
    ( close_fds; exec setsid nsenter --net="/run/netns/$NS" dockerd --host "unix://$SOCK" --data-root "$DATA" \
      --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" --bip "$BIP" ) >"$RUN/dockerd.log" 2>&1 </dev/null &
    local i
    for ((i = 0; i < WAIT_S * 4; i++)); do ping_sock "$SOCK" && break; sleep 0.25; done
    ping_sock "$SOCK" || { tail -n 20 "$RUN/dockerd.log" >&2; die "dockerd did not answer within ${WAIT_S}s"; }
  fi
  if [ "$(dk info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    say "docker swarm init (on this dockerd only)"
    dk swarm init --advertise-addr "$NS_ADDR" --default-addr-pool "$POOL" >/dev/null
  fi
  if ! dk image inspect "$IMAGE" >/dev/null 2>&1; then
    say "copying $IMAGE from the private test engine"
    docker -H "$SHARED_DOCKER" save "$IMAGE" | dk load -q >/dev/null
  fi
  echo "SOCKET=unix://$SOCK"
  echo "ADDR=$NS_ADDR"
}

stop() {
  if ping_sock "$SOCK"; then
    local ids; ids=$(dk service ls -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && dk service rm $ids >/dev/null 2>&1 || true
    dk swarm leave --force >/dev/null 2>&1 || true
  fi
  if [ -f "$RUN/docker.pid" ]; then
    local pid; pid=$(cat "$RUN/docker.pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping dockerd (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$RUN/docker.pid"
  fi
  # shims of this dockerd only: their command lines name its exec-root
  local shim
  for shim in $(pgrep -f "containerd-shim.*$RUN/exec" || true); do kill -9 "$shim" 2>/dev/null || true; done
  for m in $(awk -v d="$DATA" -v r="$RUN" 'index($2, d) == 1 || index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  ip link del "$HOST_VETH" 2>/dev/null || true
  [ -e "/run/netns/$NS" ] && ip netns del "$NS"
  rm -rf "$RUN" "$DATA"
  say "stopped and removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: bash scripts/bench-swarm.sh start|stop" >&2; exit 2 ;;
esac
