#!/usr/bin/python3
"""Ask who-has TARGET_IP RATE times a second for SECONDS and report the
longest time between two consecutive replies: how long the responder stopped
answering.

Usage: arp-reply-gap.py IFACE TARGET_IP RATE SECONDS
Prints one JSON object: {"sent": N, "replies": M, "maxGapMs": G, "gaps": [[A, B], ...]}
with every gap over 10 ms as wall-clock milliseconds (A: the reply before,
B: the reply after), so a caller can tell which gaps fell during what.

A plain AF_PACKET socket (packet(7)); requests are paced against absolute
deadlines and replies are read between them, so a reply late by a stall is
timed when it arrives, not when it was asked for.
"""
import fcntl
import json
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def main():
    iface, target, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, 0))
    mac = s.getsockname()[4]
    src_ip = fcntl.ioctl(s.fileno(), 0x8915, struct.pack('256s', iface.encode()[:15]))[20:24]  # SIOCGIFADDR
    tip = socket.inet_aton(target)
    frame = b'\xff' * 6 + mac + struct.pack('!H', ETH_P_ARP) + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + mac + src_ip + b'\x00' * 6 + tip
    interval = 1.0 / rate
    start = time.monotonic()
    end = start + seconds
    sent, replies, last, max_gap, gaps = 0, 0, None, 0.0, []
    due = start
    while True:
        now = time.monotonic()
        if now >= due and due < end:
            s.send(frame)
            sent += 1
            due += interval
        wait = max(0.0, min(due, end + 0.5) - time.monotonic())
        r, _, _ = select.select([s], [], [], wait)
        if r:
            pkt = s.recv(2048)
            if len(pkt) >= 42 and pkt[12:14] == b'\x08\x06' and struct.unpack('!H', pkt[20:22])[0] == 2 and pkt[28:32] == tip:
                t = time.time()
                replies += 1
                if last is not None:
                    max_gap = max(max_gap, t - last)
                    if t - last > 0.010 and len(gaps) < 1000:
                        gaps.append([round(last * 1000, 1), round(t * 1000, 1)])
                last = t
        elif due >= end and time.monotonic() >= end + 0.5:
            break
    print(json.dumps({'sent': sent, 'replies': replies, 'maxGapMs': round(max_gap * 1000, 2), 'gaps': gaps}))


main()
