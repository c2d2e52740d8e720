// vip-arpd native addon: fd-level primitives, nothing more: AF_PACKET sockets
// and their receive ring, interface ioctls, plain sockets and their options
// (MLD memberships), a libuv poller, the sd_notify datagram (AF_UNIX);
// rtnetlink lives in netlink_socket.cc.
//
// Every function returns a non-negative result or -errno; the TypeScript side
// (src/native/addon.ts) turns -errno into a Node-style error with code, syscall
// and interface name. No ARP knowledge lives here: the BPF program, frame
// layouts and reply logic are all built in TypeScript.

#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <vector>

#include "netlink_socket.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23  // linux/if_packet.h, Linux >= 4.20
#endif

// The XDP primitives (native/bpf_loader.cc); adds nothing when built without libbpf.
void RegisterXdp(Napi::Env env, Napi::Object exports);

namespace {

// Upper bound for one recvmmsg/sendmmsg batch; the TS side picks the size.
constexpr uint32_t kMaxBatch = 1024;

int32_t ErrnoResult() { return -errno; }

Napi::Number Int(Napi::Env env, int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }

// ioctl on a throwaway datagram socket: the classic way to ask about an
// interface by name (netdevice(7)).
int IfReq(const std::string& name, unsigned long request, struct ifreq* ifr) {
  if (name.size() >= IFNAMSIZ) return -ENAMETOOLONG;
  memset(ifr, 0, sizeof(*ifr));
  memcpy(ifr->ifr_name, name.data(), name.size());
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoResult();
  int rc = ioctl(fd, request, ifr);
  int err = rc < 0 ? -errno : 0;
  close(fd);
  return err;
}

// interfaceIndex(name) -> ifindex | -errno
Napi::Value InterfaceIndex(const Napi::CallbackInfo& info) {
  struct ifreq ifr;
  int rc = IfReq(info[0].As<Napi::String>().Utf8Value(), SIOCGIFINDEX, &ifr);
  return Int(info.Env(), rc < 0 ? rc : ifr.ifr_ifindex);
}

// interfaceFlags(name) -> IFF_* flags | -errno
Napi::Value InterfaceFlags(const Napi::CallbackInfo& info) {
  struct ifreq ifr;
  int rc = IfReq(info[0].As<Napi::String>().Utf8Value(), SIOCGIFFLAGS, &ifr);
  return Int(info.Env(), rc < 0 ? rc : static_cast<uint16_t>(ifr.ifr_flags));
}

// interfaceMac(name, out: Buffer(6)) -> ARPHRD_* type | -errno
Napi::Value InterfaceMac(const Napi::CallbackInfo& info) {
  struct ifreq ifr;
  int rc = IfReq(info[0].As<Napi::String>().Utf8Value(), SIOCGIFHWADDR, &ifr);
  if (rc < 0) return Int(info.Env(), rc);
  auto out = info[1].As<Napi::Buffer<uint8_t>>();
  if (out.Length() < 6) return Int(info.Env(), -EINVAL);
  memcpy(out.Data(), ifr.ifr_hwaddr.sa_data, 6);
  return Int(info.Env(), ifr.ifr_hwaddr.sa_family);
}

// openPacket(ifindex, ethertype, bpf: Buffer of struct sock_filter) -> fd | -errno
//
// The socket is created with protocol 0 so that it receives nothing until
// bind(); the filter is attached first, so no unfiltered frame is ever queued
// (packet(7): "the socket will receive all packets between socket() and
// bind()" otherwise). PACKET_IGNORE_OUTGOING keeps our own replies out.
Napi::Value OpenPacket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = info[0].As<Napi::Number>().Int32Value();
  uint16_t ethertype = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
  auto bpf = info[2].As<Napi::Buffer<uint8_t>>();
  if (bpf.Length() == 0 || bpf.Length() % sizeof(struct sock_filter) != 0) return Int(env, -EINVAL);

  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Int(env, ErrnoResult());

  std::vector<struct sock_filter> code(bpf.Length() / sizeof(struct sock_filter));
  memcpy(code.data(), bpf.Data(), bpf.Length());
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(code.size());
  prog.filter = code.data();
  int one = 1;
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ethertype);
  sll.sll_ifindex = ifindex;
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
      setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
      bind(fd, reinterpret_cast<struct sockaddr*>(&sll), sizeof(sll)) < 0) {
    int err = -errno;
    close(fd);
    return Int(env, err);
  }
  return Int(env, fd);
}

// recvBatch(fd, buf, slotSize, lengths: Int32Array, max) -> count | -errno
//
// Frame i lands at buf[i*slotSize]; lengths[i] is its length on the wire
// (MSG_TRUNC makes packet sockets report the full length, so a frame longer
// than its slot is visible as lengths[i] > slotSize).
Napi::Value RecvBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  uint32_t slot = info[2].As<Napi::Number>().Uint32Value();
  auto lengths = info[3].As<Napi::Int32Array>();
  uint32_t max = info[4].As<Napi::Number>().Uint32Value();
  if (slot == 0 || max == 0 || max > kMaxBatch || max > lengths.ElementLength() ||
      static_cast<size_t>(slot) * max > buf.Length())
    return Int(env, -EINVAL);

  struct mmsghdr msgs[kMaxBatch];
  struct iovec iovs[kMaxBatch];
  memset(msgs, 0, sizeof(struct mmsghdr) * max);
  for (uint32_t i = 0; i < max; i++) {
    iovs[i].iov_base = buf.Data() + static_cast<size_t>(i) * slot;
    iovs[i].iov_len = slot;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = recvmmsg(fd, msgs, max, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Int(env, ErrnoResult());
  int32_t* out = lengths.Data();
  for (int i = 0; i < n; i++) out[i] = static_cast<int32_t>(msgs[i].msg_len);
  return Int(env, n);
}

// sendBatch(fd, buf, slotSize, lengths: Int32Array, count) -> sent | -errno
//
// Frame i is buf[i*slotSize .. +lengths[i]], a complete Ethernet frame; the
// socket is bound, so no destination address is needed (packet(7)).
Napi::Value SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  uint32_t slot = info[2].As<Napi::Number>().Uint32Value();
  auto lengths = info[3].As<Napi::Int32Array>();
  uint32_t count = info[4].As<Napi::Number>().Uint32Value();
  if (count == 0) return Int(env, 0);
  if (slot == 0 || count > kMaxBatch || count > lengths.ElementLength() ||
      static_cast<size_t>(slot) * count > buf.Length())
    return Int(env, -EINVAL);

  struct mmsghdr msgs[kMaxBatch];
  struct iovec iovs[kMaxBatch];
  memset(msgs, 0, sizeof(struct mmsghdr) * count);
  const int32_t* len = lengths.Data();
  for (uint32_t i = 0; i < count; i++) {
    if (len[i] <= 0 || static_cast<uint32_t>(len[i]) > slot) return Int(env, -EINVAL);
    iovs[i].iov_base = buf.Data() + static_cast<size_t>(i) * slot;
    iovs[i].iov_len = static_cast<size_t>(len[i]);
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = sendmmsg(fd, msgs, count, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return Int(env, n < 0 ? ErrnoResult() : n);
}

// setSocketOption(fd, level, name, value) -> 0 | -errno
//
// An int-valued setsockopt, for tuning knobs the TS side chooses
// (PACKET_QDISC_BYPASS, SO_RCVBUF, ...).
Napi::Value SetSocketOption(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int level = info[1].As<Napi::Number>().Int32Value();
  int name = info[2].As<Napi::Number>().Int32Value();
  int value = info[3].As<Napi::Number>().Int32Value();
  return Int(info.Env(), setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? ErrnoResult() : 0);
}

// setSocketOptionBytes(fd, level, name, value: Buffer) -> 0 | -errno
//
// A setsockopt whose value is a struct the TS side lays out (ipv6_mreq for
// IPV6_ADD_MEMBERSHIP, icmp6_filter, ...), so the addon knows no option.
Napi::Value SetSocketOptionBytes(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int level = info[1].As<Napi::Number>().Int32Value();
  int name = info[2].As<Napi::Number>().Int32Value();
  auto value = info[3].As<Napi::Buffer<uint8_t>>();
  int rc = setsockopt(fd, level, name, value.Data(), static_cast<socklen_t>(value.Length()));
  return Int(info.Env(), rc < 0 ? ErrnoResult() : 0);
}

// openSocket(domain, type, protocol) -> fd | -errno
//
// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC added, for the sockets that need
// no setup before their first option (AF_INET6 datagram sockets holding MLD
// memberships, an ICMPv6 raw socket).
Napi::Value OpenSocket(const Napi::CallbackInfo& info) {
  int domain = info[0].As<Napi::Number>().Int32Value();
  int type = info[1].As<Napi::Number>().Int32Value();
  int protocol = info[2].As<Napi::Number>().Int32Value();
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  return Int(info.Env(), fd < 0 ? ErrnoResult() : fd);
}

// closeFd(fd) -> 0 | -errno
Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  return Int(info.Env(), close(fd) < 0 ? ErrnoResult() : 0);
}

// sendUnixDatagram(path, payload) -> bytes | -errno
//
// For sd_notify: a single datagram from this (main) process, so the unit can
// use NotifyAccess=main. A leading '@' means the abstract namespace
// (sd_notify(3)), which the npm unix-dgram package cannot address.
Napi::Value SendUnixDatagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto payload = info[1].As<Napi::Buffer<uint8_t>>();
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof(sun));
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) return Int(env, -EINVAL);
  memcpy(sun.sun_path, path.data(), path.size());
  if (path[0] == '@') sun.sun_path[0] = '\0';
  socklen_t len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Int(env, ErrnoResult());
  ssize_t n = sendto(fd, payload.Data(), payload.Length(), MSG_NOSIGNAL,
                     reinterpret_cast<struct sockaddr*>(&sun), len);
  int err = n < 0 ? -errno : 0;
  close(fd);
  return Int(env, err < 0 ? err : n);
}

// RxRing: a PACKET_RX_RING (TPACKET_V2) mapped into this process (packet(7),
// Documentation/networking/packet_mmap.rst). The kernel copies each frame that
// passes the socket filter into the next free ring frame in softirq, so
// receiving costs no system call, no socket-buffer queueing and no skb per
// frame; a full ring drops cheaply in the kernel. V2 rather than V3: V2 hands
// over every frame at once (poll is readable as soon as one is there), V3
// only whole blocks or after a millisecond-grained timeout, which would add
// up to that timeout to every reply's latency at low rates.
//
//   new RxRing(fd, frameSize, frameCount); open() -> 0 | -errno
//   read(buf, slotSize, lengths: Int32Array, packetTypes: Uint8Array,
//        vlanTags: Int32Array, max) -> count | -errno
//   close() -> 0; idempotent, unmaps the ring
//
// read() copies frames into fixed slots like recvBatch, lengths[i] being the
// frame's length after the socket filter (tp_snaplen), the same number
// recvmmsg(MSG_TRUNC) reports, and hands each ring frame back to the kernel.
// It also copies what the kernel knows about the frame and the bytes do not
// say: packetTypes[i] is sll_pkttype (PACKET_HOST, PACKET_OTHERHOST, ...),
// vlanTags[i] the 802.1Q TCI the kernel took off the frame and left in
// tp_vlan_tci, or -1 when TP_STATUS_VLAN_VALID is clear. What they mean for
// answering is decided in TypeScript (src/responder/arp-rules.ts).
class RxRing : public Napi::ObjectWrap<RxRing> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "RxRing",
                       {InstanceMethod("open", &RxRing::Open), InstanceMethod("read", &RxRing::Read),
                        InstanceMethod("close", &RxRing::Close)});
  }

  explicit RxRing(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RxRing>(info) {
    fd_ = info[0].As<Napi::Number>().Int32Value();
    frame_size_ = info[1].As<Napi::Number>().Uint32Value();
    frame_count_ = info[2].As<Napi::Number>().Uint32Value();
  }

  ~RxRing() override { Unmap(); }

 private:
  // One page per block: always allocatable, and frames never straddle blocks.
  static constexpr uint32_t kBlockSize = 4096;

  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (ring_ != nullptr) return Int(env, -EALREADY);
    if (frame_size_ < TPACKET2_HDRLEN || frame_size_ % TPACKET_ALIGNMENT != 0 || kBlockSize % frame_size_ != 0 ||
        frame_count_ == 0 || frame_count_ % (kBlockSize / frame_size_) != 0)
      return Int(env, -EINVAL);
    int version = TPACKET_V2;
    if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0) return Int(env, ErrnoResult());
    struct tpacket_req req;
    req.tp_block_size = kBlockSize;
    req.tp_block_nr = frame_count_ / (kBlockSize / frame_size_);
    req.tp_frame_size = frame_size_;
    req.tp_frame_nr = frame_count_;
    if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) return Int(env, ErrnoResult());
    size_t len = static_cast<size_t>(kBlockSize) * req.tp_block_nr;
    void* ring = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (ring == MAP_FAILED) return Int(env, ErrnoResult());
    ring_ = static_cast<uint8_t*>(ring);
    ring_len_ = len;
    head_ = 0;
    return Int(env, 0);
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto buf = info[0].As<Napi::Buffer<uint8_t>>();
    uint32_t slot = info[1].As<Napi::Number>().Uint32Value();
    auto lengths = info[2].As<Napi::Int32Array>();
    auto packet_types = info[3].As<Napi::Uint8Array>();
    auto vlan_tags = info[4].As<Napi::Int32Array>();
    uint32_t max = info[5].As<Napi::Number>().Uint32Value();
    if (ring_ == nullptr) return Int(env, -EBADF);
    if (slot == 0 || max > lengths.ElementLength() || max > packet_types.ElementLength() ||
        max > vlan_tags.ElementLength() || static_cast<size_t>(slot) * max > buf.Length())
      return Int(env, -EINVAL);
    int32_t* out = lengths.Data();
    uint32_t n = 0;
    while (n < max) {
      auto* hdr = reinterpret_cast<struct tpacket2_hdr*>(ring_ + static_cast<size_t>(head_) * frame_size_);
      // Acquire: the frame's bytes are visible once its status says so.
      uint32_t status = __atomic_load_n(&hdr->tp_status, __ATOMIC_ACQUIRE);
      if ((status & TP_STATUS_USER) == 0) break;
      uint32_t len = hdr->tp_snaplen;
      uint32_t copy = len < slot ? len : slot;
      if (hdr->tp_mac + copy <= frame_size_) {
        memcpy(buf.Data() + static_cast<size_t>(n) * slot, reinterpret_cast<uint8_t*>(hdr) + hdr->tp_mac, copy);
        // TPACKET_V2 puts the sockaddr_ll right after the aligned header (packet_mmap.rst).
        auto* sll = reinterpret_cast<struct sockaddr_ll*>(reinterpret_cast<uint8_t*>(hdr) +
                                                         TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
        packet_types[n] = sll->sll_pkttype;
        vlan_tags[n] = (status & TP_STATUS_VLAN_VALID) != 0 ? hdr->tp_vlan_tci : -1;
        out[n++] = static_cast<int32_t>(len);
      }
      // Release: we are done reading before the kernel may reuse the frame.
      __atomic_store_n(&hdr->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      head_ = head_ + 1 == frame_count_ ? 0 : head_ + 1;
    }
    return Int(env, n);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Unmap();
    return Int(info.Env(), 0);
  }

  void Unmap() {
    if (ring_ == nullptr) return;
    munmap(ring_, ring_len_);
    ring_ = nullptr;
  }

  int fd_ = -1;
  uint32_t frame_size_ = 0;
  uint32_t frame_count_ = 0;
  uint8_t* ring_ = nullptr;
  size_t ring_len_ = 0;
  uint32_t head_ = 0;
};

// Poller: uv_poll readiness for one fd, calling back (status, events) on the
// JS thread. stop() is idempotent and safe from inside the callback; the
// handle is freed by libuv's close callback, never while libuv still uses it.
class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod("start", &Poller::Start), InstanceMethod("stop", &Poller::Stop)});
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    fd_ = info[0].As<Napi::Number>().Int32Value();
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    env_ = info.Env();
  }

  ~Poller() override { Release(); }

 private:
  struct Handle {
    uv_poll_t poll;
  };

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (handle_ == nullptr) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Int(env, -EIO);
      handle_ = new Handle();
      int rc = uv_poll_init(loop, &handle_->poll, fd_);
      if (rc < 0) {
        delete handle_;
        handle_ = nullptr;
        return Int(env, rc);
      }
      handle_->poll.data = this;
      Ref();  // keep the JS object alive while libuv may call us
    }
    return Int(env, uv_poll_start(&handle_->poll, UV_READABLE, &Poller::OnReady));
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Release();
    return Int(info.Env(), 0);
  }

  void Release() {
    if (handle_ == nullptr) return;
    uv_poll_stop(&handle_->poll);
    handle_->poll.data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->poll),
             [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
    handle_ = nullptr;
    Unref();
  }

  static void OnReady(uv_poll_t* poll, int status, int events) {
    auto* self = static_cast<Poller*>(poll->data);
    if (self == nullptr) return;
    Napi::HandleScope scope(self->env_);
    self->callback_.MakeCallback(self->env_.Global(), {Int(self->env_, status), Int(self->env_, events)});
  }

  int fd_ = -1;
  Handle* handle_ = nullptr;
  Napi::FunctionReference callback_;
  Napi::Env env_ = nullptr;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceIndex", Napi::Function::New(env, InterfaceIndex));
  exports.Set("interfaceFlags", Napi::Function::New(env, InterfaceFlags));
  exports.Set("interfaceMac", Napi::Function::New(env, InterfaceMac));
  exports.Set("openPacket", Napi::Function::New(env, OpenPacket));
  exports.Set("recvBatch", Napi::Function::New(env, RecvBatch));
  exports.Set("sendBatch", Napi::Function::New(env, SendBatch));
  exports.Set("setSocketOption", Napi::Function::New(env, SetSocketOption));
  exports.Set("setSocketOptionBytes", Napi::Function::New(env, SetSocketOptionBytes));
  exports.Set("openSocket", Napi::Function::New(env, OpenSocket));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("sendUnixDatagram", Napi::Function::New(env, SendUnixDatagram));
  exports.Set("Poller", Poller::Init(env));
  exports.Set("RxRing", RxRing::Init(env));
  RegisterNetlink(env, exports);
  RegisterXdp(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(vip_arpd_native, Init)
