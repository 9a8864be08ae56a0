#!/usr/bin/env bash
# `npm run setup:tools`: installs what the tests need when it is absent, and does nothing when everything
# is there:
# - Node 24, for `npm run test:node24` (scripts/ensure-node24.sh: from the npm registry, into a cache
#   folder outside the repository);
# and, in one apt-get call, the Debian packages:
# - chromium, for the browser test (test/examples/web-app-browser.test.ts), unless /usr/bin/chromium
#   exists or CHROMIUM_PATH names another build;
# - openssh-client, for ssh-keygen, which the signed-commit tests (test/gitops/signatures.test.ts,
#   test/gitops/signed-sync.test.ts) use to make keys and sign and verify commits;
# - postgresql, for the PostgreSQL store's tests (test/support/postgres.ts starts a throwaway cluster
#   of its own from /usr/lib/postgresql/<version>/bin; the package's own cluster is not used), unless
#   an initdb is installed there already.
# Needs root or password-less sudo to install.
set -euo pipefail

bash "$(dirname "$0")/ensure-node24.sh" >/dev/null

packages=()
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium)
fi
if ! command -v ssh-keygen >/dev/null 2>&1; then
  packages+=(openssh-client)
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
missing="${packages[*]}"
hint="install them (apt-get install $missing)"
if [[ " $missing " == *" chromium "* ]]; then
  hint="$hint, or set CHROMIUM_PATH to another Chromium build"
fi
echo "installing Debian's $missing for the tests"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "setup:tools: the tests need $missing, and this user can neither install packages (not root) nor use sudo; $hint" >&2
  exit 1
fi
# Through env, because sudo resets the environment.
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq)
if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${packages[@]}"; } </dev/null >/dev/null; then
  echo "setup:tools: apt-get could not install $missing; $hint" >&2
  exit 1
fi
