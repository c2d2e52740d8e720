// vip-arpd native addon, XDP part: load a BPF object through libbpf, attach
// its program to an interface as a BPF link, and read and write its maps.
// fd-level and -errno like packet_socket.cc; which maps exist and what their
// keys mean is known only to native/xdp/arp_xdp.bpf.c and src/fastpath/.
//
// Built with libbpf only where the toolchain is found (binding.gyp defines
// VIP_ARPD_XDP); otherwise RegisterXdp adds nothing and the TypeScript side
// reports the fast path as unavailable.

#include <napi.h>

#ifdef VIP_ARPD_XDP

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

Napi::Number Int(Napi::Env env, int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }

// libbpf writes its warnings (a verifier rejection with the verifier's log, a
// missing BTF) to stderr by default; a daemon logging JSON keeps those of the
// last load, joined and bounded, for its own log line.
std::string last_message;
constexpr size_t kMaxMessage = 2048;

int KeepWarning(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN) return 0;
  char line[1024];
  int n = vsnprintf(line, sizeof(line), format, args);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || last_message.size() >= kMaxMessage) return n;
  if (!last_message.empty()) last_message += " | ";
  last_message += text.substr(0, kMaxMessage - last_message.size());
  return n;
}

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)  // linux/bpf.h, Linux >= 6.3
#endif

// bpfLoad(object: Buffer, program: string, maps: string[], maxEntries: Int32Array, fds: Int32Array, boundIfindex) -> 0 | -errno
//
// Opens the ELF object from memory, sets each named map's max_entries where
// maxEntries[i] > 0, loads `program` alone (bound to boundIfindex when > 0,
// so it may call the driver's XDP metadata kfuncs), and stores in fds[0] the program's fd and in
// fds[1 + i] map i's fd. The object is closed again: the fds keep program and
// maps alive, and closing them (or the process dying) frees them.
Napi::Value BpfLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto object = info[0].As<Napi::Buffer<uint8_t>>();
  std::string program = info[1].As<Napi::String>().Utf8Value();
  auto names = info[2].As<Napi::Array>();
  auto max_entries = info[3].As<Napi::Int32Array>();
  auto fds = info[4].As<Napi::Int32Array>();
  uint32_t count = names.Length();
  if (max_entries.ElementLength() < count || fds.ElementLength() < count + 1) return Int(env, -EINVAL);

  last_message.clear();
  struct bpf_object* obj = bpf_object__open_mem(object.Data(), object.Length(), nullptr);
  if (obj == nullptr) return Int(env, errno > 0 ? -errno : -EINVAL);
  std::vector<struct bpf_map*> maps(count);
  int rc = 0;
  for (uint32_t i = 0; i < count && rc == 0; i++) {
    std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    maps[i] = bpf_object__find_map_by_name(obj, name.c_str());
    if (maps[i] == nullptr) rc = -ENOENT;
    else if (max_entries[i] > 0) rc = bpf_map__set_max_entries(maps[i], static_cast<uint32_t>(max_entries[i]));
  }
  struct bpf_program* prog = rc == 0 ? bpf_object__find_program_by_name(obj, program.c_str()) : nullptr;
  if (rc == 0 && prog == nullptr) rc = -ENOENT;
  int bound_ifindex = info[5].As<Napi::Number>().Int32Value();
  if (rc == 0) {
    struct bpf_program* p = nullptr;
    bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, p == prog);
    if (bound_ifindex > 0) {
      bpf_program__set_ifindex(prog, static_cast<uint32_t>(bound_ifindex));
      rc = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_DEV_BOUND_ONLY);
    }
  }
  if (rc == 0) rc = bpf_object__load(obj);
  std::vector<int> out;
  if (rc == 0) {
    out.push_back(fcntl(bpf_program__fd(prog), F_DUPFD_CLOEXEC, 3));
    for (auto* m : maps) out.push_back(fcntl(bpf_map__fd(m), F_DUPFD_CLOEXEC, 3));
    for (int fd : out) {
      if (fd < 0 && rc == 0) rc = -errno;
    }
  }
  bpf_object__close(obj);
  if (rc != 0) {
    for (int fd : out) if (fd >= 0) close(fd);
    return Int(env, rc < 0 ? rc : -rc);
  }
  for (size_t i = 0; i < out.size(); i++) fds[i] = out[i];
  return Int(env, 0);
}

// xdpAttach(progFd, ifindex, flags) -> link fd | -errno
//
// A BPF link, not a netlink attachment: the program stays attached only while
// the link fd is open, so a daemon that dies (SIGKILL included) leaves
// nothing answering on the wire. flags: XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE.
Napi::Value XdpAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int prog_fd = info[0].As<Napi::Number>().Int32Value();
  int ifindex = info[1].As<Napi::Number>().Int32Value();
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = info[2].As<Napi::Number>().Uint32Value());
  int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
  return Int(env, fd < 0 ? (errno > 0 ? -errno : fd) : fd);
}

// bpfMapUpdate(mapFd, key: Buffer, value: Buffer, flags) -> 0 | -errno
Napi::Value BpfMapUpdate(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  auto value = info[2].As<Napi::Buffer<uint8_t>>();
  uint64_t flags = info[3].As<Napi::Number>().Uint32Value();
  int rc = bpf_map_update_elem(fd, key.Data(), value.Data(), flags);
  return Int(info.Env(), rc < 0 ? -errno : 0);
}

// bpfMapDelete(mapFd, key: Buffer) -> 0 | -errno (-ENOENT when absent)
Napi::Value BpfMapDelete(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  int rc = bpf_map_delete_elem(fd, key.Data());
  return Int(info.Env(), rc < 0 ? -errno : 0);
}

// bpfMapLookup(mapFd, key: Buffer, out: Buffer) -> 0 | -errno
// For a per-CPU map `out` holds one 8-byte-aligned value per possible CPU.
Napi::Value BpfMapLookup(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  auto out = info[2].As<Napi::Buffer<uint8_t>>();
  int rc = bpf_map_lookup_elem(fd, key.Data(), out.Data());
  return Int(info.Env(), rc < 0 ? -errno : 0);
}

// bpfPossibleCpus() -> count | -errno
Napi::Value BpfPossibleCpus(const Napi::CallbackInfo& info) {
  return Int(info.Env(), libbpf_num_possible_cpus());
}

// bpfLastMessage() -> libbpf's warnings of the last bpfLoad ("" if none)
Napi::Value BpfLastMessage(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), last_message);
}

}  // namespace

void RegisterXdp(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(KeepWarning);
  exports.Set("bpfLoad", Napi::Function::New(env, BpfLoad));
  exports.Set("xdpAttach", Napi::Function::New(env, XdpAttach));
  exports.Set("bpfMapUpdate", Napi::Function::New(env, BpfMapUpdate));
  exports.Set("bpfMapDelete", Napi::Function::New(env, BpfMapDelete));
  exports.Set("bpfMapLookup", Napi::Function::New(env, BpfMapLookup));
  exports.Set("bpfPossibleCpus", Napi::Function::New(env, BpfPossibleCpus));
  exports.Set("bpfLastMessage", Napi::Function::New(env, BpfLastMessage));
}

#else

void RegisterXdp(Napi::Env, Napi::Object) {}

#endif
