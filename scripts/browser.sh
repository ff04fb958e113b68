#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the dashboard's browser test (playwright-core drives it at
# /usr/bin/chromium; `npx playwright install` cannot download browsers here). Installs the `chromium` package.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
[ "$(id -u)" = 0 ] || { echo "browser: installing chromium needs root (sudo apt-get install -y chromium)" >&2; exit 1; }
echo "browser: installing Debian's chromium package (for the dashboard browser test)"
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
