#!/usr/bin/env bash
# Private Docker and Podman engines for tests, the demo and CI: `bash scripts/engines.sh start|stop|status`.
# Idempotent. Installs what is missing, runs both engines on their own sockets and folders (so they never
# touch a system engine), and imports the busybox test images (no registry is reachable here).
set -euo pipefail

# Overridable only to try a second, throw-away set of engines; everything else uses the defaults.
RUN=${TURTLE_ENGINES_RUN:-/run/turtle-test}
DATA=${TURTLE_ENGINES_DATA:-/var/lib/turtle-test}
DOCKER_SOCK=$RUN/docker.sock
PODMAN_SOCK=$RUN/podman.sock
# dockerd gets its own bridge: `--bip` would re-address docker0, which a system Docker may own (and --bip
# and --bridge exclude each other, so the bridge's own address sets the subnet). A /24 away from Docker's
# 172.17/16 and Podman's 10.88/16 defaults.
DOCKER_BRIDGE=${TURTLE_ENGINES_BRIDGE:-turtle0}
DOCKER_BRIDGE_ADDR=${TURTLE_ENGINES_BRIDGE_ADDR:-172.31.249.1/24}
PODMAN=(podman --root "$DATA/podman" --runroot "$RUN/podman-run")
DOCKER=(docker -H "unix://$DOCKER_SOCK")
# curl: this script asks the engines for /_ping itself. catatonit: Podman's init for `init: true`.
PACKAGES=(docker.io podman catatonit busybox-static docker-compose glpk-utils iproute2 curl)
WAIT_S=${TURTLE_ENGINE_WAIT_S:-60}

say() { echo "engines: $*"; }
die() { echo "engines: error: $*" >&2; exit 1; }
# shellcheck source=scripts/_packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/_packages.sh"

install_packages() { install_debian_packages "" "${PACKAGES[@]}"; }

# Without CAP_SYS_RESOURCE every Podman container fails with "error setting rlimit type 7". Podman picks
# cgroupfs and file events by itself when systemd is not running (checked with `podman info`), so only the
# ulimits need setting. (Without systemd Podman also never runs health checks on its own: it schedules
# them as systemd timers. The runtime adapter runs due checks itself; see src/runtime/docker-api.)
configure_podman() {
  local conf=/etc/containers/containers.conf
  if [ -f "$conf" ] && grep -q 'turtle-test' "$conf"; then return 0; fi
  local conf_backup=
  if [ -f "$conf" ]; then conf_backup=y; [ -f "$conf.turtle-orig" ] || cp "$conf" "$conf.turtle-orig"; fi
  say "writing $conf (default_ulimits = [])${conf_backup:+, the old one kept as $conf.turtle-orig}"
  mkdir -p /etc/containers
  cat >"$conf" <<'EOF'
# written by turtle scripts/engines.sh (turtle-test): containers may not raise rlimits without CAP_SYS_RESOURCE
[containers]
default_ulimits = []
EOF
}

ping_sock() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

wait_ping() { # name socket log
  local i
  for ((i = 0; i < WAIT_S * 4; i++)); do
    ping_sock "$2" && return 0
    sleep 0.25
  done
  echo "engines: error: $1 did not answer on unix://$2 within ${WAIT_S}s; last lines of $3:" >&2
  tail -n 20 "$3" >&2 || true
  exit 1
}

start_docker() {
  if ping_sock "$DOCKER_SOCK"; then say "dockerd already answers on unix://$DOCKER_SOCK"; return 0; fi
  if ! ip link show "$DOCKER_BRIDGE" >/dev/null 2>&1; then
    say "creating bridge $DOCKER_BRIDGE ($DOCKER_BRIDGE_ADDR) for dockerd"
    ip link add "$DOCKER_BRIDGE" type bridge
    ip addr add "$DOCKER_BRIDGE_ADDR" dev "$DOCKER_BRIDGE"
    ip link set "$DOCKER_BRIDGE" up
  fi
  say "starting dockerd on unix://$DOCKER_SOCK"
  mkdir -p "$RUN" "$DATA/docker"
  setsid dockerd --host "unix://$DOCKER_SOCK" --data-root "$DATA/docker" --exec-root "$RUN/docker-exec" \
    --pidfile "$RUN/docker.pid" --bridge "$DOCKER_BRIDGE" >"$RUN/dockerd.log" 2>&1 </dev/null &
  wait_ping dockerd "$DOCKER_SOCK" "$RUN/dockerd.log"
}

start_podman() {
  if ping_sock "$PODMAN_SOCK"; then say "podman already answers on unix://$PODMAN_SOCK"; return 0; fi
  say "starting podman system service on unix://$PODMAN_SOCK"
  mkdir -p "$RUN" "$DATA/podman"
  rm -f "$PODMAN_SOCK"
  setsid "${PODMAN[@]}" system service --time=0 "unix://$PODMAN_SOCK" >"$RUN/podman.log" 2>&1 </dev/null &
  echo $! >"$RUN/podman.pid"
  wait_ping podman "$PODMAN_SOCK" "$RUN/podman.log"
}

# Root filesystem with a static busybox and the applets the tests use; $1 = web version or '' for tools.
make_rootfs() { # dir version health(yes|no)
  local root=$1 applet
  rm -rf "$root" && mkdir -p "$root/bin" "$root/www" "$root/tmp"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in sh httpd wget sleep cat echo kill ls true false nc; do ln -s busybox "$root/bin/$applet"; done
  echo "web $2" >"$root/www/index.html"
  [ "$3" = yes ] && echo ok >"$root/www/health"
  return 0
}

# Bump when the images change: `start` rebuilds images carrying an older TURTLE_TEST_IMAGE.
IMAGE_REV=2

has_image() { # cli... ref: present and of this revision
  local ref=${*: -1}
  "${@:1:$#-1}" image inspect --format '{{json .Config.Env}}' "$ref" 2>/dev/null | grep -q "TURTLE_TEST_IMAGE=$IMAGE_REV\""
}

build_image() { # name:tag version health cmd-json
  local ref=$1 dir tar have_d=n have_p=n
  has_image "${DOCKER[@]}" "$ref" && have_d=y
  has_image "${PODMAN[@]}" "localhost/$ref" && have_p=y
  [ "$have_d$have_p" = yy ] && return 0
  dir=$(mktemp -d) && tar=$dir.tar
  make_rootfs "$dir" "$2" "$3"
  tar -C "$dir" -cf "$tar" .
  if [ "$have_d" = n ]; then
    say "building $ref in docker"
    "${DOCKER[@]}" import -c "CMD $4" -c "ENV TURTLE_TEST_IMAGE=$IMAGE_REV" "$tar" "$ref" >/dev/null
  fi
  # Podman stores it as localhost/<ref>; short-name lookups through the compat API resolve to it locally.
  if [ "$have_p" = n ]; then
    say "building $ref in podman"
    "${PODMAN[@]}" import -q -c "CMD $4" -c "ENV TURTLE_TEST_IMAGE=$IMAGE_REV" "$tar" "localhost/$ref" >/dev/null
  fi
  rm -rf "$dir" "$tar"
}

# A process that is PID 1 gets no default SIGTERM action, so bare httpd or sleep would make every stop wait
# out the whole timeout (10 s); the shell's trap ends the container at once, as a real service would.
on_term() { echo "[\"sh\",\"-c\",\"trap 'exit 0' TERM; $1 & wait\"]"; }

build_images() {
  say "building test images (skipping those present)"
  local web n
  web=$(on_term 'httpd -f -p 80 -h /www')
  for n in 1 2 3; do build_image "turtle-test/web:$n" "$n" yes "$web"; done
  build_image turtle-test/web:broken broken no "$web"
  build_image turtle-test/tools:1 tools no "$(on_term 'sleep 1000000')"
}

remove_managed() { # engine-cli...
  local ids
  ids=$("$@" ps -aq --filter label=io.turtle.managed 2>/dev/null || true)
  [ -n "$ids" ] && "$@" rm -f $ids >/dev/null 2>&1 || true
  # and the project networks turtle made: each one left behind takes one of the engine's address pools
  ids=$("$@" network ls -q --filter label=io.turtle.managed 2>/dev/null || true)
  [ -n "$ids" ] && "$@" network rm $ids >/dev/null 2>&1 || true
}

kill_pidfile() { # name pidfile
  [ -f "$2" ] || return 0
  local pid; pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $1 (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$2"
}

stop_all() {
  if ping_sock "$DOCKER_SOCK"; then say "removing turtle containers in docker"; remove_managed "${DOCKER[@]}"; fi
  if ping_sock "$PODMAN_SOCK"; then say "removing turtle containers in podman"; remove_managed "${PODMAN[@]}"; fi
  # dockerd stops its containerd and shims itself; Podman's conmons outlive the service, so stop them.
  kill_pidfile dockerd "$RUN/docker.pid"
  kill_pidfile "podman service" "$RUN/podman.pid"
  local ids; ids=$("${PODMAN[@]}" ps -q 2>/dev/null || true)
  if [ -n "$ids" ]; then say "stopping podman containers"; "${PODMAN[@]}" stop -t 2 $ids >/dev/null 2>&1 || true; fi
  rm -f "$PODMAN_SOCK" "$DOCKER_SOCK"
}

status() {
  local s
  for s in docker podman; do
    local sock=$RUN/$s.sock
    if ping_sock "$sock"; then
      local v; v=$(curl -s --unix-socket "$sock" http://d/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1)
      say "$s $v answers on unix://$sock"
    else
      say "$s is not running (unix://$sock)"
    fi
  done
  if ping_sock "$DOCKER_SOCK"; then
    say "docker images: $("${DOCKER[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep turtle-test | sort | tr '\n' ' ')"
    say "docker containers: $("${DOCKER[@]}" ps -q | wc -l) running"
  fi
  if ping_sock "$PODMAN_SOCK"; then
    say "podman images: $("${PODMAN[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep turtle-test | sort | tr '\n' ' ')"
    say "podman containers: $("${PODMAN[@]}" ps -q | wc -l) running"
  fi
}

case "${1:-}" in
  start) install_packages; configure_podman; start_docker; start_podman; build_images; say "ready" ;;
  stop) stop_all; say "stopped" ;;
  status) status ;;
  *) echo "usage: bash scripts/engines.sh start|stop|status" >&2; exit 2 ;;
esac
