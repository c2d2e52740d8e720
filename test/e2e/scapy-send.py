#!/usr/bin/python3
"""Send raw Ethernet frames with scapy, for the vip-arpd e2e lab.

Reads one JSON object on stdin:
    {"iface": "eth0", "frames": ["ffffffffffff02...", ...], "count": 1, "interval": 0}
sends every frame `count` times (the whole list per round) with scapy's
sendp() of Raw bytes, so malformed frames go out exactly as given, and prints
{"sent": N} on stdout. Run with /usr/bin/python3 (Debian's python3-scapy).
"""
import json
import logging
import sys

# scapy warns on import about missing IPv6 routes etc.; keep stdout clean.
logging.getLogger("scapy").setLevel(logging.ERROR)

try:
    from scapy.config import conf
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
except ImportError as err:  # pragma: no cover
    print(f"scapy-send: cannot import scapy ({err}); apt-get install python3-scapy", file=sys.stderr)
    sys.exit(2)


def main() -> int:
    req = json.load(sys.stdin)
    iface = req["iface"]
    frames = [Raw(load=bytes.fromhex(h)) for h in req["frames"]]
    count = int(req.get("count", 1))
    interval = float(req.get("interval", 0))
    conf.verb = 0
    sent = sendp(frames, iface=iface, count=count, inter=interval, verbose=False, return_packets=True)
    print(json.dumps({"sent": len(sent) if sent is not None else 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
