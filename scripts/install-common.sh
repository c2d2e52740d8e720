# Shared by scripts/install.sh and scripts/uninstall.sh (sourced, not run):
# what gets installed where, and how a change is made or, with --dry-run, shown.

APP_DIR=/opt/vip-arpd
UNIT_NAME=vip-arpd.service
USER_NAME=vip-arpd
DRY_RUN=0
DESTDIR=${DESTDIR:-}

# run prints a command and, unless --dry-run, runs it.
run() {
  if [ "$DRY_RUN" = 1 ]; then echo "would run: $*"; else echo "+ $*"; "$@"; fi
}
