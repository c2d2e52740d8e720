#!/usr/bin/env bash
# One command for a newcomer on Debian 12 (as root): install and build, then
# run the namespace demo (`npm run demo`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-debian.sh
npm run demo
