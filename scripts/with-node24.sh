#!/usr/bin/env bash
# `bash scripts/with-node24.sh <command...>` (`npm run test:node24` runs the unit tests this way): runs the
# command with Node 24 first on PATH, installing it first when absent (scripts/ensure-node24.sh).
#
# better-sqlite3 is the one dependency compiled against a Node ABI (V8's, not N-API: @node-rs/argon2's
# N-API binary and esbuild's executable load on any Node). Its addon in node_modules is the machine
# Node's; for the command it is swapped for one built against Node 24's headers (npm_config_nodedir),
# compiled once per better-sqlite3 version and kept beside that Node, and the machine Node's addon is put
# back when the command ends, failed or not, so `npm start` keeps working. Do not run Node 20 tests in the
# same checkout meanwhile: they would load the Node 24 addon.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || { echo "usage: bash scripts/with-node24.sh <command...>" >&2; exit 2; }

node24="$(bash scripts/ensure-node24.sh)"
addon_dir=node_modules/better-sqlite3/build/Release
addon="$addon_dir/better_sqlite3.node"
[ -f "$addon" ] || { echo "with-node24: $addon is missing; run npm ci first" >&2; exit 1; }
version="$(node -p 'require("./node_modules/better-sqlite3/package.json").version')"
abi="$("$node24/bin/node" -p process.versions.modules)"
cached="$node24/addons/better-sqlite3-$version-abi$abi.node"

# Replaced by a rename, never overwritten in place: a process that has the old addon loaded keeps it.
put() { cp "$1" "$2.partial" && mv -f "$2.partial" "$2"; }
saved="$(mktemp)"
cp "$addon" "$saved"
restore() {
  mkdir -p "$addon_dir"
  put "$saved" "$addon"
  rm -f "$saved"
}
trap restore EXIT
trap 'exit 130' INT TERM

export PATH="$node24/bin:$PATH"
# Whatever compiles a native module under the command (npm rebuild, the packed-tarball test's install)
# compiles it against Node 24's headers, not the machine's.
export npm_config_nodedir="$node24"

if [ ! -f "$cached" ]; then
  # better-sqlite3's install script first tries to download a prebuilt addon (GitHub; it fails at once
  # where only the npm registry is reachable), then compiles it with node-gyp.
  started=$SECONDS
  log="$(mktemp)"
  if ! npm rebuild better-sqlite3 </dev/null >"$log" 2>&1; then
    cat "$log" >&2
    echo "with-node24: could not build better-sqlite3 $version for Node 24" >&2
    exit 1
  fi
  rm -f "$log"
  mkdir -p "$(dirname "$cached")"
  put "$addon" "$cached"
  echo "with-node24: built better-sqlite3 $version for Node $(node --version) in $((SECONDS - started)) s" >&2
fi
put "$cached" "$addon"

echo "with-node24: running on Node $(node --version): $*" >&2
"$@"
