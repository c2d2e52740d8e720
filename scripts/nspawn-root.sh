#!/usr/bin/env bash
# Prints the path of a cached Debian 12 (bookworm) root that systemd-nspawn
# can boot (`-b`), made once with `debootstrap --variant=minbase` and reused:
# the tests copy it, never change it. The cache is keyed by suite, mirror and
# package list, so a changed list makes a new root beside the old one.
#
# Packages: systemd and systemd-sysv (to boot), dbus (systemctl and
# systemd-analyze talk to PID 1 over it), and the PACKAGE arguments: what the
# vip-arpd .deb depends on (the test passes its Depends), so `apt-get install
# ./vip-arpd_*.deb` works offline inside. Deliberately not procps: the unit
# must work without it.
#
# The mirror is the one this machine's apt already uses for the suite
# (/etc/apt/sources.list and sources.list.d, one-line or deb822 form).
#
# Usage: scripts/nspawn-root.sh [PACKAGE...]   (root; needs debootstrap)
# Cache: $VIP_ARPD_NSPAWN_CACHE, else /var/cache/vip-arpd-test
set -euo pipefail

SUITE=bookworm
PACKAGES=$(printf '%s\n' systemd systemd-sysv dbus "$@" | sort -u | paste -sd, -)
CACHE=${VIP_ARPD_NSPAWN_CACHE:-/var/cache/vip-arpd-test}

die() { echo "nspawn-root.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"

# The first Debian mirror apt lists for $SUITE.
mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($(i + 1) == s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: stanzas separated by blank lines; URIs and Suites fields.
    awk -v s="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) { n = split($i, b, /[ \t]+/); for (j = 2; j <= n; j++) if (b[j] == s) ok = 1 }
        }
        if (ok && uri != "") { print uri; exit } }' "$f"
  done
}
MIRROR=$(mirror | head -n1)
[ -n "$MIRROR" ] || die "no apt source for $SUITE in /etc/apt/sources.list*"

KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-16)
ROOT=$CACHE/$SUITE-$KEY
if [ -f "$ROOT/.complete" ]; then
  echo "$ROOT"
  exit 0
fi

mkdir -p "$CACHE"
# One builder at a time; a second caller waits, then finds the root made.
exec 9>"$CACHE/.lock"
flock 9
if [ ! -f "$ROOT/.complete" ]; then
  TMP=$ROOT.tmp.$$
  rm -rf "$TMP"
  echo "nspawn-root.sh: debootstrap $SUITE from $MIRROR into $ROOT (once; a few minutes)" >&2
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$TMP" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$TMP"; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # The downloaded .debs are not needed once installed.
  rm -f "$TMP"/var/cache/apt/archives/*.deb
  # Boot quietly and fast: no getty on the console, no login prompt to wait for.
  chroot "$TMP" systemctl mask console-getty.service getty@.service systemd-networkd-wait-online.service >/dev/null 2>&1 || true
  touch "$TMP/.complete"
  rm -rf "$ROOT"
  mv "$TMP" "$ROOT"
  # Roots of other package lists (an older .deb's Depends) are not used again.
  for old in "$CACHE/$SUITE"-*; do
    [ "$old" = "$ROOT" ] || rm -rf "$old"
  done
fi
echo "$ROOT"
