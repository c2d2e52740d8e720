#!/usr/bin/env bash
# Installs what vip-arpd's build, demo and tests need on Debian 12, then
# builds it (`npm ci`: addon + TypeScript). Idempotent; run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null && SUDO="sudo -n"
fi

echo "setup: installing Debian packages"
# tshark asks whether non-root users may capture; answer "no" up front.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
$SUDO apt-get update -q
# Build: g++ make python3 (node-gyp). Lab and tests: iproute2, arping, ping,
# tshark/tcpdump (captures), scapy (malformed frames), keepalived (VRRP
# failover), farpd (benchmark peer), netsniff-ng, resource-agents
# (ocf-tester, send_arp) with libxml2-utils (xmllint, which ocf-tester
# needs and resource-agents only recommends), libcap2-bin/procps (capabilities, /proc tools),
# systemd (systemd-analyze verify/security of the unit; no running systemd needed),
# tmux (vip-arpctl top and status tested on a real terminal), ndisc6 (ndisc6/rdisc6:
# a second real IPv6 neighbour-discovery client beside the kernel's).
# Packaging: debhelper (dpkg-buildpackage, dh), lintian; the unit under a real
# systemd: debootstrap, systemd-container (systemd-nspawn); prometheus
# (promtool tests the alerting rules); bash-completion (the completion test).
$SUDO apt-get install -y -q --no-install-recommends \
  iproute2 iputils-arping iputils-ping tshark tcpdump python3-scapy farpd \
  keepalived netsniff-ng resource-agents libxml2-utils procps libcap2-bin systemd g++ make python3 clang llvm libbpf-dev tmux \
  debhelper lintian debootstrap systemd-container prometheus bash-completion ndisc6

# The machine's node builds (tsc, node-gyp); the tests and the .deb use the
# official Node.js builds scripts/fetch-node.sh brings (see .ci/run).
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required to build (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

echo "setup: npm ci (builds the native addon and the TypeScript)"
npm ci --no-audit --no-fund
