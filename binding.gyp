{
  "variables": { "vip_arpd_xdp%": "<!(sh native/xdp/have-toolchain.sh)" },
  "targets": [
    {
      "target_name": "vip_arpd_native",
      "sources": ["native/packet_socket.cc", "native/netlink_socket.cc", "native/bpf_loader.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [
        ["vip_arpd_xdp==1", {
          "defines": ["VIP_ARPD_XDP"],
          "libraries": ["-lbpf"],
          "actions": [{
            "action_name": "arp_xdp_bpf_object",
            "inputs": ["native/xdp/arp_xdp.bpf.c"],
            "outputs": ["<(PRODUCT_DIR)/arp_xdp.bpf.o"],
            "action": ["clang", "-O2", "-g", "-Wall", "-target", "bpf", "-I/usr/include/<!(gcc -print-multiarch)",
                       "-c", "<@(_inputs)", "-o", "<@(_outputs)"]
          }]
        }]
      ]
    }
  ]
}
