# Sourced by the scripts that need Debian packages (engines, test bed, proxy image, browser): installs those of
# the named packages that are missing, and says which and why. Uses the caller's `say` and `die`.
# --no-recommends first: only the packages and what they depend on (for a tool taken from a package that
# recommends daemons: promtool from prometheus, which recommends prometheus-node-exporter).
install_debian_packages() { # [--no-recommends] why package...
  local apt_opts=() missing=() p why
  if [ "${1:-}" = --no-recommends ]; then apt_opts+=(--no-install-recommends); shift; fi
  why=$1
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian${why:+ ($why)}"
  [ "$(id -u)" = 0 ] || die "installing packages needs root (run as root or: sudo apt-get install -y ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_opts[@]}" "${missing[@]}" >/dev/null
}
