#!/usr/bin/env bash
# Reverses scripts/install.sh: stops and disables the service, removes the
# unit, /opt/vip-arpd, the command links and the vip-arpd user and group.
# The config in /etc/vip-arpd stays unless --purge.
#
# Usage: scripts/uninstall.sh [--dry-run] [--purge] [--destdir DIR]
#   --dry-run      print what would change, change nothing
#   --purge        also remove /etc/vip-arpd (config and VIP files)
#   --destdir DIR  uninstall from DIR (as installed with --destdir); no user, no systemctl
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/install-common.sh"
PURGE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --purge) PURGE=1 ;;
    --destdir) DESTDIR=${2:?--destdir needs a directory}; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then echo "uninstall.sh: run as root (or use --destdir DIR)" >&2; exit 1; fi

UNIT=$DESTDIR/etc/systemd/system/$UNIT_NAME
SYSTEMD=0
[ -z "$DESTDIR" ] && [ -d /run/systemd/system ] && SYSTEMD=1

if [ "$SYSTEMD" = 1 ] && [ -e "$UNIT" ]; then run systemctl disable --now "$UNIT_NAME"; fi
[ -e "$UNIT" ] && run rm -f "$UNIT"
if [ "$SYSTEMD" = 1 ]; then run systemctl daemon-reload; fi

for link in "$DESTDIR/usr/local/sbin/vip-arpd" "$DESTDIR/usr/local/bin/vip-arpctl"; do
  if [ -L "$link" ]; then run rm -f "$link"; fi
done
[ -e "$DESTDIR$APP_DIR" ] && run rm -rf "$DESTDIR$APP_DIR"

if [ -n "$DESTDIR" ]; then
  echo "skipping user $USER_NAME: DESTDIR $DESTDIR"
elif getent passwd "$USER_NAME" >/dev/null; then
  # userdel also removes the user's own group (USERGROUPS_ENAB, Debian's default).
  run userdel "$USER_NAME"
fi

CONF_DIR=$DESTDIR/etc/vip-arpd
if [ "$PURGE" = 1 ]; then
  [ -e "$CONF_DIR" ] && run rm -rf "$CONF_DIR"
elif [ -e "$CONF_DIR" ]; then
  echo "keeping $CONF_DIR (use --purge to remove it)"
fi
exit 0
