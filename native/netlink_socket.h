// vip-arpd native addon, AF_NETLINK part (netlink_socket.cc).
#pragma once

#include <napi.h>

// Adds openNetlink and recvNetlink to the addon's exports.
void RegisterNetlink(Napi::Env env, Napi::Object exports);
