// SPDX-License-Identifier: MIT
// vip-arpd XDP fast path: answers valid ARP requests for MASTER VIPs in the
// driver (XDP_TX, reply built in place) and passes everything else up, so the
// AF_PACKET responder, the conflict monitor and `probe` see what they see
// without it. It is an accelerator, never the source of truth: whenever in
// doubt it passes, and the AF_PACKET path decides.
//
// The daemon loads one copy per interface (src/fastpath/xdp-program.ts) and
// keeps the maps in step with roles and the VIP table:
//   vips     : every VIP of the interface's groups (network byte order) ->
//              the MAC it is answered with and whether its group is MASTER.
//              A BACKUP VIP stays in the map so that frames claiming it as
//              sender still reach the conflict monitor.
//   iface    : [0] = the interface's own MAC (a unicast request to it is ours).
//   counters : per-CPU verdict counters; the order is XDP_COUNTER_NAMES in
//              src/fastpath/xdp-counters.ts.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum counter {
  C_ANSWERED,
  C_PASS_NOT_ARP,      // not ARP, or shorter than an Ethernet header
  C_PASS_VLAN,         // 802.1Q / 802.1ad tagged (in the frame or per the driver), any VID: the decoder judges tags
  C_PASS_MALFORMED,    // a length or header field the decoder rejects
  C_PASS_SENDER_VIP,   // sender IP is a VIP here: the conflict monitor must see it
  C_PASS_NOT_REQUEST,  // an ARP reply
  C_PASS_GRATUITOUS,   // sender IP = target IP
  C_PASS_MARTIAN,      // sender IP 127/8, 224/4 and up, 0/8 (but the 0.0.0.0 probe)
  C_PASS_NOT_A_VIP,    // target not a VIP of this interface
  C_PASS_NOT_MASTER,   // target's group is BACKUP or FAULT
  C_PASS_NOT_FOR_US,   // unicast to a MAC that is not ours
  C_PASS_ERROR,        // the reply could not be sized (bpf_xdp_adjust_tail failed)
  C_COUNT,
};

struct vip_value {
  __u8 mac[6];
  __u8 answer;  // 1 = the VIP's group is MASTER
  __u8 pad;
};

struct iface_value {
  __u8 mac[6];
  __u8 pad[2];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  // The daemon sets max_entries before loading (the interface's VIP count
  // with room to grow); entries are allocated as they are inserted.
  __uint(max_entries, 1);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct vip_value);
} vips SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct iface_value);
} iface SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, C_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

// Ethernet/IPv4 ARP body (RFC 826), 28 bytes after the Ethernet header.
struct arp_body {
  __be16 htype;
  __be16 ptype;
  __u8 hlen;
  __u8 plen;
  __be16 op;
  __u8 sha[6];
  __u8 spa[4];
  __u8 tha[6];
  __u8 tpa[4];
} __attribute__((packed));

// Drivers that strip a VLAN tag into their receive descriptor (and veth,
// which carries the tag of a forwarded skb as metadata) hand XDP an untagged
// frame; this kfunc (Linux 6.8, device-bound programs only) tells whether
// there was one. -ENODATA: untagged; -EOPNOTSUPP: the driver cannot say.
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx, __be16 *vlan_proto, __u16 *vlan_tci) __ksym __weak;

#define ARP_FRAME_LENGTH 42
// Ethernet's minimum frame without FCS. Bytes after the ARP body (padding, a
// trailer, a frame up to the MTU) are ignored, as the kernel and the decoder
// ignore them; a longer request is answered with a frame of this length.
#define MIN_ETH_FRAME_LENGTH 60

static __always_inline int verdict(__u32 counter, int action) {
  __u64 *c = bpf_map_lookup_elem(&counters, &counter);
  if (c) *c += 1;
  return action;
}

static __always_inline int is_group_mac(const __u8 *mac) { return mac[0] & 1; }

static __always_inline int is_broadcast(const __u8 *mac) {
  return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b) {
  return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

// 127/8, 224/4, 240/4 (255.255.255.255 included), 0/8 except 0.0.0.0 itself.
static __always_inline int is_martian(const __u8 *ip) {
  if (ip[0] == 127 || ip[0] >= 224) return 1;
  return ip[0] == 0 && (ip[1] | ip[2] | ip[3]) != 0;
}

static __always_inline int handle(struct xdp_md *ctx, int vlan_hint) {
  if (vlan_hint) {
    __be16 vlan_proto;
    __u16 vlan_tci;
    if (bpf_xdp_metadata_rx_vlan_tag(ctx, &vlan_proto, &vlan_tci) == 0) return verdict(C_PASS_VLAN, XDP_PASS);
  }
  __u8 *data = (__u8 *)(long)ctx->data;
  __u8 *end = (__u8 *)(long)ctx->data_end;
  if (data + sizeof(struct ethhdr) > end) return verdict(C_PASS_NOT_ARP, XDP_PASS);
  struct ethhdr *eth = (struct ethhdr *)data;
  if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD)) {
    return verdict(C_PASS_VLAN, XDP_PASS);
  }
  if (eth->h_proto != bpf_htons(ETH_P_ARP)) return verdict(C_PASS_NOT_ARP, XDP_PASS);
  __u64 len = end - data;
  if (len < ARP_FRAME_LENGTH) return verdict(C_PASS_MALFORMED, XDP_PASS);
  if (data + ARP_FRAME_LENGTH > end) return verdict(C_PASS_MALFORMED, XDP_PASS);
  struct arp_body *arp = (struct arp_body *)(data + sizeof(struct ethhdr));
  if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 || arp->plen != 4) {
    return verdict(C_PASS_MALFORMED, XDP_PASS);
  }
  if (arp->op != bpf_htons(1) && arp->op != bpf_htons(2)) return verdict(C_PASS_MALFORMED, XDP_PASS);
  if (is_group_mac(arp->sha)) return verdict(C_PASS_MALFORMED, XDP_PASS);

  __u32 spa, tpa;
  __builtin_memcpy(&spa, arp->spa, 4);
  __builtin_memcpy(&tpa, arp->tpa, 4);
  if (spa != 0 && bpf_map_lookup_elem(&vips, &spa)) return verdict(C_PASS_SENDER_VIP, XDP_PASS);
  if (arp->op != bpf_htons(1)) return verdict(C_PASS_NOT_REQUEST, XDP_PASS);
  if (spa == tpa) return verdict(C_PASS_GRATUITOUS, XDP_PASS);
  if (is_martian(arp->spa)) return verdict(C_PASS_MARTIAN, XDP_PASS);
  struct vip_value *vip = bpf_map_lookup_elem(&vips, &tpa);
  if (!vip) return verdict(C_PASS_NOT_A_VIP, XDP_PASS);
  if (!vip->answer) return verdict(C_PASS_NOT_MASTER, XDP_PASS);
  if (!is_broadcast(eth->h_dest) && !mac_equal(eth->h_dest, vip->mac)) {
    __u32 zero = 0;
    struct iface_value *own = bpf_map_lookup_elem(&iface, &zero);
    if (!own || !mac_equal(eth->h_dest, own->mac)) return verdict(C_PASS_NOT_FOR_US, XDP_PASS);
  }

  // Copy what the reply needs before a resize invalidates the packet pointers.
  __u8 mac[6], requester[6];
  __builtin_memcpy(mac, vip->mac, 6);
  __builtin_memcpy(requester, arp->sha, 6);
  if (len > MIN_ETH_FRAME_LENGTH) {
    if (bpf_xdp_adjust_tail(ctx, (int)MIN_ETH_FRAME_LENGTH - (int)len) != 0) return verdict(C_PASS_ERROR, XDP_PASS);
    data = (__u8 *)(long)ctx->data;
    end = (__u8 *)(long)ctx->data_end;
    if (data + ARP_FRAME_LENGTH > end) return verdict(C_PASS_ERROR, XDP_DROP);
    eth = (struct ethhdr *)data;
    arp = (struct arp_body *)(data + sizeof(struct ethhdr));
  }

  // The reply, as src/wire/arp.ts encodeArpReply writes it: unicast to the
  // requester; for an RFC 5227 probe the target IP stays 0.0.0.0.
  __builtin_memcpy(eth->h_dest, requester, 6);
  __builtin_memcpy(eth->h_source, mac, 6);
  arp->op = bpf_htons(2);
  __builtin_memcpy(arp->tha, requester, 6);
  __builtin_memcpy(arp->tpa, &spa, 4);
  __builtin_memcpy(arp->sha, mac, 6);
  __builtin_memcpy(arp->spa, &tpa, 4);
  // Padding after the ARP body is zeroed: the request's trailing bytes must not leave in our reply.
#pragma unroll
  for (int i = ARP_FRAME_LENGTH; i < MIN_ETH_FRAME_LENGTH; i++) {
    if (data + i + 1 > end) break;
    data[i] = 0;
  }
  return verdict(C_ANSWERED, XDP_TX);
}

// Loaded bound to its interface, so it may ask the driver about a stripped VLAN tag.
SEC("xdp")
int vip_arpd_xdp_hinted(struct xdp_md *ctx) { return handle(ctx, 1); }

// For generic mode and kernels without the hint: sees only tags left in the frame.
SEC("xdp")
int vip_arpd_xdp(struct xdp_md *ctx) { return handle(ctx, 0); }

char LICENSE[] SEC("license") = "Dual MIT/GPL";
