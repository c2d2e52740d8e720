#!/bin/sh
#
# keepalived notify hook for vip-arpd. keepalived appends its notify
# arguments (TYPE NAME STATE PRIORITY, keepalived.conf(5) "notify"), which are
# passed to `vip-arpctl notify` unchanged; vip-arpd maps NAME to its groups
# (groups[].keepalived) and sets their role.
#
#   vrrp_instance VI_1 {
#       notify /usr/libexec/vip-arpd/vip-arpd-notify.sh
#   }
#
# Environment (optional): VIP_ARPD_SOCKET (default /run/vip-arpd/control.sock),
# VIP_ARPCTL (default: vip-arpctl on PATH).
#
# keepalived may run notify scripts concurrently, so two quick transitions can
# reach vip-arpd out of order (keepalived issue #996); where that matters,
# prefer notify_fifo (see keepalived.conf.notify-fifo in this directory).

VIP_ARPCTL=${VIP_ARPCTL:-vip-arpctl}
VIP_ARPD_SOCKET=${VIP_ARPD_SOCKET:-/run/vip-arpd/control.sock}

out=$("$VIP_ARPCTL" --socket "$VIP_ARPD_SOCKET" notify "$@" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	# keepalived discards a notify script's output: leave a trace in syslog.
	logger -t vip-arpd-notify "vip-arpctl notify $* failed (exit $rc): $out" 2>/dev/null
fi
exit $rc
