# Sourced by the scripts that need Debian packages (engines, test bed, proxy image, browser): installs those of
# the named packages that are missing, and says which and why. Uses the caller's `say` and `die`.
install_debian_packages() { # why package...
  local why=$1 missing=() p
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian${why:+ ($why)}"
  [ "$(id -u)" = 0 ] || die "installing packages needs root (run as root or: sudo apt-get install -y ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
