#!/usr/bin/env bash
# The image of turtle's site proxy, built locally from Debian's haproxy (no registry needed):
#   bash scripts/proxy-image.sh ENDPOINT...   imports turtle/haproxy:2.6 into each Docker or Podman engine
#                                             (unix:///…docker.sock or …podman.sock; Podman files it as localhost/…)
#   bash scripts/proxy-image.sh --tar FILE    only writes the image's root filesystem tarball
# The root filesystem is the haproxy binary with the shared libraries it links (from ldd) and a static
# busybox for the shell that writes the configuration turtle passes in the environment. Idempotent: an
# engine that already has this build of the image is skipped.
set -euo pipefail

REF=turtle/haproxy:2.6
PACKAGES=(haproxy busybox-static curl)

say() { echo "proxy-image: $*"; }
die() { echo "proxy-image: error: $*" >&2; exit 1; }
# shellcheck source=scripts/_packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/_packages.sh"

install_packages() { install_debian_packages "the proxy image is built from Debian's haproxy" "${PACKAGES[@]}"; }

# A label on the image says which haproxy build it holds, so a Debian update rebuilds it.
build_id() { haproxy -v | awk 'NR == 1 { print $3 }'; } # awk reads to the end: `head -1` made haproxy die of SIGPIPE (exit 141) under pipefail

make_tar() { # file
  local root lib
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/usr/sbin" "$root/tmp" "$root/run/turtle-proxy" "$root/etc"
  cp /usr/sbin/haproxy "$root/usr/sbin/haproxy"
  for lib in $(ldd /usr/sbin/haproxy | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp "$(command -v busybox)" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  ln -s busybox "$root/bin/printf"
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'haproxy:x:99:99::/:/bin/sh' >>"$root/etc/passwd"
  tar -C "$root" -cf "$1" .
  rm -rf "$root"
}

has_image() { # sock: the engine has this build (Podman answers for localhost/… and the short name)
  local doc; doc=$(curl -sf --unix-socket "$1" "http://d/images/$REF/json" 2>/dev/null) || return 1
  [[ $doc == *"\"TURTLE_HAPROXY_BUILD=$(build_id)\""* ]]
}

import_into() { # endpoint tar
  local sock=${1#unix://} build; build=$(build_id)
  [ -S "$sock" ] || die "no engine socket at $sock"
  if has_image "$sock"; then say "$REF (haproxy $build) already in $1"; return 0; fi
  local changes; changes=$(printf 'ENV TURTLE_HAPROXY_BUILD=%s' "$build" | sed 's/+/%2B/g; s/ /%20/g; s/=/%3D/g')
  if [[ $(curl -sf --unix-socket "$sock" http://d/version) == *[Pp]odman* ]]; then
    say "importing $REF into Podman at $1"
    curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' --data-binary "@$2" \
      "http://d/v4.0.0/libpod/images/import?reference=localhost/$REF&changes=$changes" >/dev/null
  else
    say "importing $REF into Docker at $1"
    curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' --data-binary "@$2" \
      "http://d/images/create?fromSrc=-&repo=${REF%:*}&tag=${REF#*:}&changes=$changes" >/dev/null
  fi
  has_image "$sock" || die "$REF did not arrive in $1"
}

[ $# -gt 0 ] || { echo "usage: bash scripts/proxy-image.sh ENDPOINT... | --tar FILE" >&2; exit 2; }
install_packages
if [ "$1" = --tar ]; then
  [ -n "${2:-}" ] || die "--tar needs a file"
  make_tar "$2"; say "wrote $2 (haproxy $(build_id))"; exit 0
fi
tar=$(mktemp --suffix .tar)
trap 'rm -f "$tar"' EXIT
made=n
for endpoint in "$@"; do
  if has_image "${endpoint#unix://}"; then say "$REF (haproxy $(build_id)) already in $endpoint"; continue; fi
  [ $made = y ] || { say "building the root filesystem from /usr/sbin/haproxy ($(build_id)) and its libraries"; make_tar "$tar"; made=y; }
  import_into "$endpoint" "$tar"
done
