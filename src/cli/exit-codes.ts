/**
 * Exit codes of vip-arpd, from sysexits.h so that systemd and scripts can
 * tell "fix the config" from "fix the permissions" from "fix the network".
 */
export const EXIT_OK = 0;
/** an unexpected internal error */
export const EXIT_SOFTWARE = 70;
/** bad command-line usage (EX_USAGE) */
export const EXIT_USAGE = 64;
/** a socket or file the daemon must create cannot be (EX_CANTCREAT), e.g. the control socket is in use */
export const EXIT_CANT_CREATE = 73;
/** no CAP_NET_RAW: cannot open a packet socket (EX_NOPERM) */
export const EXIT_NO_PERMISSION = 77;
/** the configuration is invalid (EX_CONFIG) */
export const EXIT_CONFIG = 78;
