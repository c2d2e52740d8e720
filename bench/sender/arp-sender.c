// arp-sender: a paced ARP request generator and reply counter for the
// vip-arpd benchmark (bench/arp-flood.bench.mjs). Compiled at bench time with
// `cc -O2 -pthread`; never committed as a binary.
//
// Sender: ARP requests "who-has VIP" on one interface through an AF_PACKET
// socket (packet(7)), in sendmmsg batches of -b frames per tick. Ticks are
// paced on CLOCK_MONOTONIC against absolute deadlines (no drift), sleeping
// with clock_nanosleep while the next tick is far and busy-waiting the last
// stretch, because a plain sleep overshoots by ~50-100 us and trafgen's -b
// sends ~350 ms spurts. -r 0 sends as fast as the socket takes frames.
//
// Requesters: most requests come from a pool of -p stable (IP, MAC) pairs
// (192.0.2.100+i, 02:00:c0:00:02:xx), like real clients, so the kernel
// responder keeps a steady neighbour table. Every -t'th request is a "tag":
// sender IP TAG_IP and a sender MAC 02:5e:<32-bit sequence>. Every responder
// (kernel, vip-arpd, farpd) copies the request's sender MAC into the reply's
// target MAC (RFC 826), so the receiver reads the sequence back and computes
// the reply latency from the tag's send time.
//
// Receiver: a second AF_PACKET socket (ETH_P_ARP, PACKET_IGNORE_OUTGOING,
// a large SO_RCVBUFFORCE) counts ARP replies whose sender IP is the VIP,
// whatever their destination (farpd broadcasts its replies). Latency uses the
// kernel's receive timestamp (SO_TIMESTAMPNS), so a receiver thread that is
// late to read does not inflate it.
//
// Reply gap: the longest time between two consecutive replies (kernel
// receive timestamps), for the reload benchmark (bench/reload-gap.bench.mjs).
//
// Fixed frame (-F HEX): instead of ARP requests, send this one Ethernet frame
// (up to FRAME_MAX bytes) at the same pace, e.g. the IPv6 UDP flood of
// bench/ndp-socket-cost.bench.mjs; replies are then whatever ARP arrives.
//
// NDP (-6 VIP6, with -F an NS frame, bench/ndp-flood.bench.mjs): the receiver
// takes IPv6 instead of ARP and counts as replies the Neighbor Advertisements
// whose target is VIP6 (no tags: the frame is fixed, so no latency figures).
//
// Protocol on stderr: "go" when the send window starts, "end" when it ends
// (the harness samples CPU counters there). Result: one JSON object on stdout.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define FRAME_LEN 42  // Ethernet + ARP for IPv4 (RFC 826)
#define FRAME_MAX 128  // the longest -F frame
#define MAX_BATCH 256
#define RX_BATCH 256
#define RX_SLOT 128
// Tag send times live in a ring; a reply later than TAG_RING tags is not matched.
#define TAG_RING (1u << 22)
// Sleep only when the deadline is further than this; busy-wait the rest,
// because clock_nanosleep wakes up tens of microseconds late.
#define SPIN_NS 150000LL
// Receiver wakes at least this often to notice the end of the run.
#define RX_POLL_MS 50
// Receive buffer: ~2 s of replies at 200k/s, so a receiver thread that shares
// a core with the sender does not drop replies it would count.
#define RX_BUF_BYTES (256 * 1024 * 1024)
#define POOL_BASE_IP 0xc0000264u  // 192.0.2.100
#define TAG_IP 0xc00002fau        // 192.0.2.250

struct options {
  const char* iface;
  uint32_t vip;  // host order
  double rate;   // frames/s, 0 = unlimited
  int duration_ms;
  int drain_ms;
  int batch;
  int pool;
  int tag_every;
  int sender_cpu;
  int receiver_cpu;
};

static struct options opt = {NULL, 0, 0, 5000, 300, 16, 100, 16, -1, -1};
static int ifindex;
static uint8_t custom_frame[FRAME_MAX];
static int custom_len;  // 0: ARP requests
static int ndp;  // -6: replies are NAs for vip6
static uint8_t vip6[16];
static int64_t* tag_sent_ns;  // CLOCK_REALTIME of each tag's send, 0 = unused
static atomic_int receiver_stop;

// Results
static uint64_t sent, send_errors, tags_sent;
static int64_t send_elapsed_ns;
static uint64_t replies, tag_replies, tag_duplicates, other_arp;
// Longest time between two consecutive replies (a responder that stops
// answering for a while shows as one long gap), and when the gap ended.
static int64_t last_reply_ns, max_gap_ns, max_gap_end_ns;
static uint32_t* latencies_ns;  // one per matched tag
static uint64_t latency_count;
static struct tpacket_stats rx_stats;

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char* what) {
  fprintf(stderr, "arp-sender: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
    fprintf(stderr, "arp-sender: cannot pin to cpu %d\n", cpu);
    exit(2);
  }
}

static int open_packet(uint16_t proto) {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
  if (fd < 0) die("socket(AF_PACKET)");
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(proto);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr*)&sll, sizeof(sll)) < 0) die("bind");
  return fd;
}

static void put_mac(uint8_t* p, uint64_t mac) {
  for (int i = 5; i >= 0; i--, mac >>= 8) p[i] = (uint8_t)mac;
}
static uint64_t get_mac(const uint8_t* p) {
  uint64_t m = 0;
  for (int i = 0; i < 6; i++) m = (m << 8) | p[i];
  return m;
}
static void put_ip(uint8_t* p, uint32_t ip) {
  uint32_t n = htonl(ip);
  memcpy(p, &n, 4);
}
static uint32_t get_ip(const uint8_t* p) {
  uint32_t n;
  memcpy(&n, p, 4);
  return ntohl(n);
}

// Writes a broadcast "who-has VIP tell sender_ip" from sender_mac.
static void build_request(uint8_t* f, uint64_t sender_mac, uint32_t sender_ip) {
  static const uint8_t hdr[] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
  memset(f, 0xff, 6);
  put_mac(f + 6, sender_mac);
  memcpy(f + 12, hdr, sizeof(hdr));
  put_mac(f + 22, sender_mac);
  put_ip(f + 28, sender_ip);
  memset(f + 32, 0, 6);
  put_ip(f + 38, opt.vip);
}

static uint64_t pool_mac(uint32_t ip) { return 0x0200c0000200ULL | (ip & 0xff); }
static uint64_t tag_mac(uint32_t seq) { return 0x025e00000000ULL | seq; }

// Pre-built frames: the pool's requests never change; tag frames are patched.
struct tx {
  uint8_t frames[MAX_BATCH][FRAME_MAX];
  struct iovec iov[MAX_BATCH];
  struct mmsghdr msgs[MAX_BATCH];
};

static void* sender_main(void* arg) {
  (void)arg;
  pin(opt.sender_cpu);
  int fd = socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: send only, never receives
  if (fd < 0) die("socket(AF_PACKET)");
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr*)&sll, sizeof(sll)) < 0) die("bind");

  static struct tx tx;
  for (int i = 0; i < MAX_BATCH; i++) {
    tx.iov[i].iov_base = tx.frames[i];
    tx.iov[i].iov_len = custom_len > 0 ? (size_t)custom_len : FRAME_LEN;
    if (custom_len > 0) memcpy(tx.frames[i], custom_frame, (size_t)custom_len);
    tx.msgs[i].msg_hdr.msg_iov = &tx.iov[i];
    tx.msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t counter = 0;  // requests built so far
  uint32_t tag_seq = 0;
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  const int64_t end = start + (int64_t)opt.duration_ms * 1000000LL;
  fputs("go\n", stderr);
  fflush(stderr);
  for (;;) {
    int64_t now = now_ns(CLOCK_MONOTONIC);
    if (now >= end) break;
    if (opt.rate > 0) {
      // Deadline of the next batch: when `counter` frames are due at `rate`.
      int64_t due = start + (int64_t)((double)counter * 1e9 / opt.rate);
      if (due >= end) break;
      if (due - now > SPIN_NS) {
        int64_t wake = due - SPIN_NS / 2;
        struct timespec ts = {wake / 1000000000LL, wake % 1000000000LL};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      }
      while (now_ns(CLOCK_MONOTONIC) < due) {
      }
    }
    int n = opt.batch;
    int64_t stamp = now_ns(CLOCK_REALTIME);
    if (custom_len > 0) counter += (uint64_t)n;  // the frames are already in place
    for (int i = 0; i < n && custom_len == 0; i++, counter++) {
      if (opt.tag_every > 0 && counter % (uint64_t)opt.tag_every == 0) {
        uint32_t seq = tag_seq++;
        build_request(tx.frames[i], tag_mac(seq), TAG_IP);
        tag_sent_ns[seq & (TAG_RING - 1)] = stamp;
      } else {
        uint32_t ip = POOL_BASE_IP + (uint32_t)(counter % (uint64_t)opt.pool);
        build_request(tx.frames[i], pool_mac(ip), ip);
      }
    }
    int done = 0;
    while (done < n) {
      int r = sendmmsg(fd, tx.msgs + done, (unsigned)(n - done), 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        // ENOBUFS and the like: the frame is lost on our side; count it.
        send_errors += (uint64_t)(n - done);
        break;
      }
      done += r;
    }
    sent += (uint64_t)done;
  }
  send_elapsed_ns = now_ns(CLOCK_MONOTONIC) - start;
  tags_sent = tag_seq;
  fputs("end\n", stderr);
  fflush(stderr);
  close(fd);
  return NULL;
}

// Ethernet/IPv6 (next header 58)/ICMPv6 type 136 with target vip6 (RFC 4861 §4.4).
static int is_na_for_vip(const uint8_t* f, unsigned len) {
  return len >= 78 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 136 && memcmp(f + 62, vip6, 16) == 0;
}

static int is_arp_reply_for_vip(const uint8_t* f, unsigned len) {
  return len >= FRAME_LEN && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 && get_ip(f + 28) == opt.vip;
}

static void handle_reply(const uint8_t* f, unsigned len, int64_t rx_ns) {
  if (ndp ? !is_na_for_vip(f, len) : !is_arp_reply_for_vip(f, len)) {
    other_arp++;
    return;
  }
  replies++;
  if (last_reply_ns != 0 && rx_ns - last_reply_ns > max_gap_ns) {
    max_gap_ns = rx_ns - last_reply_ns;
    max_gap_end_ns = rx_ns;
  }
  last_reply_ns = rx_ns;
  if (ndp || get_ip(f + 38) != TAG_IP) return;
  uint64_t tha = get_mac(f + 32);
  if ((tha >> 32) != 0x025e) return;
  uint32_t seq = (uint32_t)tha;
  int64_t* slot = &tag_sent_ns[seq & (TAG_RING - 1)];
  if (*slot == 0) {
    tag_duplicates++;
    return;
  }
  tag_replies++;
  int64_t lat = rx_ns - *slot;
  *slot = 0;  // a second reply to the same tag is a duplicate
  if (lat < 0) lat = 0;
  if (lat > UINT32_MAX) lat = UINT32_MAX;
  latencies_ns[latency_count++ & (TAG_RING - 1)] = (uint32_t)lat;
}

static void* receiver_main(void* arg) {
  int fd = *(int*)arg;
  pin(opt.receiver_cpu);
  static uint8_t bufs[RX_BATCH][RX_SLOT];
  static char ctrl[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
  static struct iovec iov[RX_BATCH];
  static struct mmsghdr msgs[RX_BATCH];
  while (!atomic_load(&receiver_stop)) {
    for (int i = 0; i < RX_BATCH; i++) {
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = RX_SLOT;
      memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i];
      msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i]);
    }
    // MSG_WAITFORONE: block for the first frame only, then take what is queued.
    // (recvmmsg's own timeout is only checked after a frame arrives, see
    // recvmmsg(2) BUGS; SO_RCVTIMEO bounds the wait instead.)
    int n = recvmmsg(fd, msgs, RX_BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      die("recvmmsg");
    }
    for (int i = 0; i < n; i++) {
      int64_t rx_ns = 0;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof(ts));
          rx_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        }
      }
      if (rx_ns == 0) rx_ns = now_ns(CLOCK_REALTIME);
      handle_reply(bufs[i], msgs[i].msg_len, rx_ns);
    }
  }
  socklen_t sl = sizeof(rx_stats);
  getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &rx_stats, &sl);
  return NULL;
}

static int cmp_u32(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
  return x < y ? -1 : x > y;
}

static double percentile_us(uint64_t n, double p) {
  if (n == 0) return -1;
  uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);
  return latencies_ns[i] / 1000.0;
}

static void usage(void) {
  fputs(
      "usage: arp-sender -i IFACE (-v VIP | -6 VIP6 -F NS_FRAME_HEX) [-r RATE|0] [-d MS] [-w DRAIN_MS] [-b BATCH]\n"
      "                  [-p POOL] [-t TAG_EVERY] [-c SENDER_CPU] [-C RECEIVER_CPU] [-F FRAME_HEX]\n",
      stderr);
  exit(64);
}

int main(int argc, char** argv) {
  int c;
  struct in_addr a;
  while ((c = getopt(argc, argv, "i:v:6:r:d:w:b:p:t:c:C:F:")) != -1) {
    switch (c) {
      case 'i': opt.iface = optarg; break;
      case 'v':
        if (inet_pton(AF_INET, optarg, &a) != 1) usage();
        opt.vip = ntohl(a.s_addr);
        break;
      case '6':
        if (inet_pton(AF_INET6, optarg, vip6) != 1) usage();
        ndp = 1;
        break;
      case 'r': opt.rate = atof(optarg); break;
      case 'd': opt.duration_ms = atoi(optarg); break;
      case 'w': opt.drain_ms = atoi(optarg); break;
      case 'b': opt.batch = atoi(optarg); break;
      case 'p': opt.pool = atoi(optarg); break;
      case 't': opt.tag_every = atoi(optarg); break;
      case 'c': opt.sender_cpu = atoi(optarg); break;
      case 'C': opt.receiver_cpu = atoi(optarg); break;
      case 'F':
        for (custom_len = 0; optarg[2 * custom_len] != '\0' && optarg[2 * custom_len + 1] != '\0'; custom_len++) {
          unsigned byte;
          if (custom_len == FRAME_MAX || sscanf(optarg + 2 * custom_len, "%2x", &byte) != 1) usage();
          custom_frame[custom_len] = (uint8_t)byte;
        }
        if (custom_len < 14) usage();
        break;
      default: usage();
    }
  }
  if (opt.iface == NULL || (ndp ? custom_len == 0 : opt.vip == 0) || opt.batch < 1 || opt.batch > MAX_BATCH || opt.pool < 1 ||
      opt.pool > 150 || opt.duration_ms < 1 || opt.tag_every < 0)
    usage();
  ifindex = (int)if_nametoindex(opt.iface);
  if (ifindex == 0) die(opt.iface);
  tag_sent_ns = calloc(TAG_RING, sizeof(*tag_sent_ns));
  latencies_ns = calloc(TAG_RING, sizeof(*latencies_ns));
  if (tag_sent_ns == NULL || latencies_ns == NULL) die("calloc");

  int rx = open_packet(ndp ? ETH_P_IPV6 : ETH_P_ARP);
  int one = 1, rcvbuf = RX_BUF_BYTES;
  if (setsockopt(rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) die("PACKET_IGNORE_OUTGOING");
  if (setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0) die("SO_RCVBUFFORCE");
  if (setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) die("SO_TIMESTAMPNS");
  struct timeval poll_tv = {0, RX_POLL_MS * 1000};
  if (setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &poll_tv, sizeof(poll_tv)) < 0) die("SO_RCVTIMEO");
  // Reset drop statistics: reading them clears them (packet(7)).
  socklen_t sl = sizeof(rx_stats);
  getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &rx_stats, &sl);

  pthread_t rt, st;
  if (pthread_create(&rt, NULL, receiver_main, &rx) != 0) die("pthread_create");
  if (pthread_create(&st, NULL, sender_main, NULL) != 0) die("pthread_create");
  pthread_join(st, NULL);
  struct timespec drain = {opt.drain_ms / 1000, (opt.drain_ms % 1000) * 1000000L};
  nanosleep(&drain, NULL);
  atomic_store(&receiver_stop, 1);
  pthread_join(rt, NULL);

  uint64_t n = latency_count < TAG_RING ? latency_count : TAG_RING;
  qsort(latencies_ns, n, sizeof(*latencies_ns), cmp_u32);
  double secs = send_elapsed_ns / 1e9;
  printf(
      "{\"offeredRate\":%.0f,\"durationS\":%.6f,\"batch\":%d,\"sent\":%llu,\"sendErrors\":%llu,"
      "\"sentPerSecond\":%.1f,\"replies\":%llu,\"repliesPerSecond\":%.1f,\"otherArp\":%llu,"
      "\"tagsSent\":%llu,\"tagReplies\":%llu,\"tagDuplicates\":%llu,"
      "\"latencyUs\":{\"samples\":%llu,\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
      "\"maxReplyGapUs\":%.1f,\"maxReplyGapEndMs\":%.3f,\"receiverDrops\":%u}\n",
      opt.rate, secs, opt.batch, (unsigned long long)sent, (unsigned long long)send_errors, sent / secs,
      (unsigned long long)replies, replies / secs, (unsigned long long)other_arp, (unsigned long long)tags_sent,
      (unsigned long long)tag_replies, (unsigned long long)tag_duplicates, (unsigned long long)n,
      percentile_us(n, 0.50), percentile_us(n, 0.99), n ? latencies_ns[n - 1] / 1000.0 : -1.0, max_gap_ns / 1000.0,
      max_gap_end_ns / 1e6, rx_stats.tp_drops);
  return 0;
}
