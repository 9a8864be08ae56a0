#!/usr/bin/env bash
# `npm run setup:browser`: installs Debian's chromium for the browser test
# (test/examples/web-app-browser.test.ts) when it is absent; does nothing when it is there (or when
# CHROMIUM_PATH names another build). Needs root or password-less sudo to install.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "installing Debian's chromium for the browser test"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "setup:browser: chromium is missing and this user can neither install it (not root) nor use sudo;" \
    "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
# Through env, because sudo resets the environment.
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq)
if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends chromium; } </dev/null >/dev/null; then
  echo "setup:browser: apt-get could not install chromium; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
