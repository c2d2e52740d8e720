// vip-arpd native addon: fd-level primitives for AF_NETLINK, nothing more.
//
// A netlink socket bound to multicast groups (rtnetlink(7): RTNLGRP_LINK for
// link events) and a non-blocking receive of one datagram. Every function
// returns a non-negative result or -errno; parsing the messages (nlmsghdr,
// ifinfomsg, attributes) is done in TypeScript (src/iface/rtnetlink.ts), and
// readiness comes from the addon's Poller like every other socket.

#include "netlink_socket.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

Napi::Number Int(Napi::Env env, int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }

// openNetlink(protocol, groups) -> fd | -errno
//
// `groups` is the nl_groups bitmask of bind(2) (netlink(7)): bit g-1 for
// group g. The socket is non-blocking and close-on-exec.
Napi::Value OpenNetlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int protocol = info[0].As<Napi::Number>().Int32Value();
  uint32_t groups = info[1].As<Napi::Number>().Uint32Value();
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return Int(env, -errno);
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof(addr));
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) < 0) {
    int err = -errno;
    close(fd);
    return Int(env, err);
  }
  return Int(env, fd);
}

// recvNetlink(fd, buf, sender: Uint32Array(1)) -> length | -errno
//
// One datagram into buf. MSG_TRUNC makes the result the datagram's real
// length, so a result above buf.length means it was cut. sender[0] is the
// sending port id: 0 for the kernel (netlink(7)). ENOBUFS means the receive
// buffer overflowed and messages were lost; the caller resynchronises.
Napi::Value RecvNetlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  auto sender = info[2].As<Napi::Uint32Array>();
  if (sender.ElementLength() < 1) return Int(env, -EINVAL);
  struct sockaddr_nl from;
  socklen_t fromlen = sizeof(from);
  memset(&from, 0, sizeof(from));
  ssize_t n;
  do {
    n = recvfrom(fd, buf.Data(), buf.Length(), MSG_DONTWAIT | MSG_TRUNC, reinterpret_cast<struct sockaddr*>(&from),
                 &fromlen);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Int(env, -errno);
  sender.Data()[0] = from.nl_pid;
  return Int(env, n);
}

}  // namespace

void RegisterNetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("openNetlink", Napi::Function::New(env, OpenNetlink));
  exports.Set("recvNetlink", Napi::Function::New(env, RecvNetlink));
}
