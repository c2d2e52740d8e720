#!/usr/bin/env bash
# Installs vip-arpd from this (built) checkout onto a director:
#   /opt/vip-arpd/                       the package: dist/, the native addon, production node_modules
#   /usr/local/sbin/vip-arpd             link to the daemon
#   /usr/local/bin/vip-arpctl            link to the control client
#   /etc/systemd/system/vip-arpd.service the hardened unit (ExecStart adjusted to this node)
#   /etc/vip-arpd/vip-arpd.json, vips/   example config and VIP files, each only if absent
#   system user and group vip-arpd       the daemon's identity; operators join the group
# and runs `systemctl daemon-reload` when systemd is running. It does not
# enable or start the service.
#
# Usage: scripts/install.sh [--dry-run] [--destdir DIR]
#   --dry-run      print what would change, change nothing
#   --destdir DIR  install under DIR (packaging, tests); no user, no systemctl
#                  (DESTDIR in the environment works too)
# Needs: root (unless --destdir), a built checkout (`npm ci`), node >= 20.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/install-common.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --destdir) DESTDIR=${2:?--destdir needs a directory}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

die() { echo "install.sh: $*" >&2; exit 1; }

NODE=$(command -v node) || die "node is not on PATH; install Node.js >= 20"
[ "$("$NODE" -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "Node.js >= 20 is required, found $("$NODE" --version)"
[ -f "$ROOT/dist/cli/vip-arpd.js" ] || die "$ROOT is not built: run 'npm ci' there first"
ADDON=$(ls "$ROOT"/build/Release/*.node 2>/dev/null | head -n1) || true
[ -n "$ADDON" ] || die "native addon not built: run 'npm ci' (needs g++ and make)"
if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then die "run as root (or use --destdir DIR)"; fi

TARGET=$DESTDIR$APP_DIR
STAGE=$TARGET.new.$$

# 1. The system user and group (not inside a DESTDIR: users are the host's).
if [ -n "$DESTDIR" ]; then
  echo "skipping user $USER_NAME: installing into DESTDIR $DESTDIR"
elif getent passwd "$USER_NAME" >/dev/null; then
  echo "user $USER_NAME exists"
else
  run useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "vip-arpd ARP responder" "$USER_NAME"
fi

# 2. The package, staged then swapped in, so a failed copy leaves the old one.
# Production dependencies only, as npm resolved them for this checkout.
mapfile -t DEPS < <(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s|^$ROOT/||p" | grep '^node_modules/')
[ "${#DEPS[@]}" -gt 0 ] || die "cannot list production dependencies (npm ls --omit=dev): run 'npm ci'"
run mkdir -p "$STAGE/build/Release"
run cp -a "$ROOT/package.json" "$ROOT/dist" "$STAGE/"
for d in etc systemd docs; do [ -d "$ROOT/$d" ] && run cp -a "$ROOT/$d" "$STAGE/"; done
run cp -a "$ADDON" "$STAGE/build/Release/"
for dep in "${DEPS[@]}"; do
  run mkdir -p "$STAGE/$(dirname "$dep")"
  run cp -a "$ROOT/$dep" "$STAGE/$dep"
done
run chmod 0755 "$STAGE/dist/cli/vip-arpd.js" "$STAGE/dist/cli/vip-arpctl.js"
run rm -rf "$TARGET"
run mv "$STAGE" "$TARGET"

# 3. Commands on PATH.
run mkdir -p "$DESTDIR/usr/local/sbin" "$DESTDIR/usr/local/bin"
run ln -sfn "$APP_DIR/dist/cli/vip-arpd.js" "$DESTDIR/usr/local/sbin/vip-arpd"
run ln -sfn "$APP_DIR/dist/cli/vip-arpctl.js" "$DESTDIR/usr/local/bin/vip-arpctl"

# 4. The unit, with ExecStart's node replaced by the one found here.
UNIT_DST=$DESTDIR/etc/systemd/system/$UNIT_NAME
run mkdir -p "$(dirname "$UNIT_DST")"
if [ "$DRY_RUN" = 1 ]; then
  echo "would write: $UNIT_DST (ExecStart=$NODE $APP_DIR/dist/cli/vip-arpd.js ...)"
else
  sed "s|^ExecStart=/usr/bin/node |ExecStart=$NODE |" "$ROOT/systemd/$UNIT_NAME" >"$UNIT_DST.tmp"
  chmod 0644 "$UNIT_DST.tmp"
  mv "$UNIT_DST.tmp" "$UNIT_DST"
  echo "+ wrote $UNIT_DST"
fi

# 5. The config directory; an existing config is never overwritten.
CONF_DIR=$DESTDIR/etc/vip-arpd
run mkdir -p "$CONF_DIR"
if [ -e "$CONF_DIR/vip-arpd.json" ]; then
  echo "keeping existing $CONF_DIR/vip-arpd.json"
else
  run install -m 0644 "$ROOT/etc/vip-arpd.json" "$CONF_DIR/vip-arpd.json"
fi
# The example's VIP files, each only if absent.
if [ -d "$ROOT/etc/vips" ]; then
  run mkdir -p "$CONF_DIR/vips"
  for f in "$ROOT"/etc/vips/*; do
    [ -f "$f" ] || continue
    if [ -e "$CONF_DIR/vips/$(basename "$f")" ]; then echo "keeping existing $CONF_DIR/vips/$(basename "$f")"
    else run install -m 0644 "$f" "$CONF_DIR/vips/"; fi
  done
fi

# 6. Tell systemd, when it is running and this is the real root.
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
else
  echo "not running systemctl daemon-reload: systemd is not running here${DESTDIR:+ (or DESTDIR is set)}"
fi

cat <<MSG
Next: edit /etc/vip-arpd/vip-arpd.json, then: systemctl enable --now vip-arpd
Operators who may use vip-arpctl: usermod -aG $USER_NAME <user>
MSG
