/** bpf(2) commands, program types, attach types and flags (include/uapi/linux/bpf.h). */

export const BPF_PROG_LOAD = 5;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_DETACH = 9;
export const BPF_PROG_QUERY = 16;

export const BPF_PROG_TYPE_CGROUP_SKB = 8;
export const BPF_PROG_TYPE_CGROUP_SOCK = 9;
export const BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18;

export const BPF_CGROUP_INET_INGRESS = 0;
export const BPF_CGROUP_INET_EGRESS = 1;
export const BPF_CGROUP_INET_SOCK_CREATE = 2;
export const BPF_CGROUP_INET4_BIND = 8;
export const BPF_CGROUP_INET6_BIND = 9;
export const BPF_CGROUP_INET4_CONNECT = 10;
export const BPF_CGROUP_INET6_CONNECT = 11;
export const BPF_CGROUP_UDP4_SENDMSG = 14;
export const BPF_CGROUP_UDP6_SENDMSG = 15;

/** Attach flags: none (0) forbids any program in descendant cgroups. */
export const BPF_F_ALLOW_OVERRIDE = 1;
export const BPF_F_ALLOW_MULTI = 2;

/** Helper ids (enum bpf_func_id) used by sysjail. */
export const BPF_FUNC_get_current_uid_gid = 15;
export const BPF_FUNC_bind = 64;
export const BPF_FUNC_get_retval = 186;
export const BPF_FUNC_set_retval = 187;

/** struct bpf_sock_addr: the context of BPF_PROG_TYPE_CGROUP_SOCK_ADDR (addresses in network order). */
export const bpf_sock_addr = {
  user_family: 0,
  user_ip4: 4,
  user_ip6: 8,
  user_port: 24,
  family: 28,
  type: 32,
  protocol: 36,
  msg_src_ip4: 40,
  msg_src_ip6: 44,
  /** struct bpf_sock * (8-byte read). */
  sk: 64,
} as const;

/** struct bpf_sock: the context of BPF_PROG_TYPE_CGROUP_SOCK, and what bpf_sock_addr.sk points to. */
export const bpf_sock = {
  bound_dev_if: 0,
  family: 4,
  type: 8,
  protocol: 12,
  mark: 16,
  priority: 20,
  /** The bound (receive) address: inet_rcv_saddr. */
  src_ip4: 24,
  src_ip6: 28,
  src_port: 44,
} as const;

/** struct __sk_buff: the context of BPF_PROG_TYPE_CGROUP_SKB. */
export const __sk_buff = {
  len: 0,
  protocol: 16,
  /** Packet pointers (32-bit loads); for cgroup_skb, data starts at the network header. */
  data: 76,
  data_end: 80,
  family: 88,
} as const;
