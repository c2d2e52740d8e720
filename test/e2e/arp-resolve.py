#!/usr/bin/python3
"""Resolve an IPv4 address by ARP COUNT times, every INTERVAL seconds, and
report how many requests got a reply within TIMEOUT seconds.

Usage: arp-resolve.py IFACE TARGET_IP COUNT INTERVAL TIMEOUT
Prints one JSON object: {"sent": N, "received": M, "missed": [i, ...], "ms": [...]}

A plain AF_PACKET socket (packet(7)), no scapy: iputils arping cannot send
faster than once a second, and a resolver loop must not miss its own replies.
Every request is broadcast, like a host whose neighbour entry has expired.
"""
import json
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def main():
    iface, target, count, interval, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, 0))
    mac = s.getsockname()[4]
    # sender IP: the interface's address is not needed for a reply; use 0.0.0.0
    # would make it an RFC 5227 probe, so take the first address of the iface.
    import fcntl
    ifreq = struct.pack('256s', iface.encode()[:15])
    src_ip = fcntl.ioctl(s.fileno(), 0x8915, ifreq)[20:24]  # SIOCGIFADDR
    tip = socket.inet_aton(target)
    frame = b'\xff' * 6 + mac + struct.pack('!H', ETH_P_ARP) + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + mac + src_ip + b'\x00' * 6 + tip
    sent, received, missed, rtts = 0, 0, [], []
    start = time.monotonic()
    for i in range(count):
        due = start + i * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        t0 = time.monotonic()
        s.send(frame)
        sent += 1
        got = False
        deadline = t0 + timeout
        while not got:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            pkt = s.recv(2048)
            if len(pkt) >= 42 and pkt[12:14] == b'\x08\x06' and struct.unpack('!H', pkt[20:22])[0] == 2 and pkt[28:32] == tip:
                got = True
        if got:
            received += 1
            rtts.append(round((time.monotonic() - t0) * 1000, 2))
        else:
            missed.append(i)
    print(json.dumps({'sent': sent, 'received': received, 'missed': missed[:100], 'maxMs': max(rtts) if rtts else None}))


main()
