/**
 * Exit codes of both programs, in one place so that README.md, docs/control.md
 * and the usage texts have one list to agree with (test/unit/exit-codes.test.ts).
 */

// vip-arpd: from sysexits.h so that systemd and scripts can tell "fix the
// config" from "fix the permissions" from "fix the network".
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

// vip-arpctl: small numbers a keepalived check script or a shell `case` can test.
/** the daemon did what was asked */
export const CTL_OK = 0;
/** the daemon refused (unknown group, not MASTER, bad arguments, …): `ok:false` */
export const CTL_REFUSED = 1;
/** bad vip-arpctl usage; nothing was sent */
export const CTL_USAGE = 2;
/** no daemon answered on the socket (also an internal error of vip-arpctl itself) */
export const CTL_UNREACHABLE = 3;
/** the command ran and found a problem: `doctor` with a failed check, `probe` with a foreign responder */
export const CTL_PROBLEM = 4;
