#!/bin/sh
# Prints 1 when this machine can build the XDP fast path (clang with the bpf
# target, libbpf headers and library), else 0. binding.gyp asks it; without
# the toolchain (or with VIP_ARPD_BUILD_XDP=0) the addon is built without
# XDP and everything else works.
[ "${VIP_ARPD_BUILD_XDP:-}" = 0 ] && { echo 0; exit 0; }
command -v clang >/dev/null 2>&1 || { echo 0; exit 0; }
[ -f /usr/include/bpf/libbpf.h ] || { echo 0; exit 0; }
echo 'int main(void){return 0;}' | cc -x c - -lbpf -o /dev/null 2>/dev/null || { echo 0; exit 0; }
echo 1
