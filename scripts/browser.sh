#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the dashboard's browser test (playwright-core drives it at
# /usr/bin/chromium; `npx playwright install` cannot download browsers here). Installs the `chromium` package.
set -euo pipefail
say() { echo "browser: $*"; }
die() { echo "browser: error: $*" >&2; exit 1; }
# shellcheck source=scripts/_packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/_packages.sh"
if [ -x /usr/bin/chromium ]; then exit 0; fi
install_debian_packages "for the dashboard's browser test" chromium
