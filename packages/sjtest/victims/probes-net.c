/* Network promises: socket families, raw sockets, the jail address on bind/connect/sendto/listen,
 * 127.0.0.1 → the jail address, no other source through IP_PKTINFO, no host abstract UNIX socket, IPv6 refused without an IPv6 address, and bind/connect races.
 * Loopback only: every address used is 127.0.0.0/8 and every socket is closed at once. */
#include "victim.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void socket_family(const struct sj_ctx *c, const char *a) {
  int family = 0, type = 0, proto = 0;
  (void)c;
  sscanf(a, "%d,%d,%d", &family, &type, &proto);
  long fd = sj_sys(SYS_socket, family, type, proto, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, a);
}

static long bound_socket(int type, const char *ip, int port, struct sockaddr_in *name) {
  struct sockaddr_in sin;
  socklen_t len = sizeof *name;
  long fd = sj_sys(SYS_socket, AF_INET, type, 0, 0, 0);
  if (fd < 0) return -1;
  if (ip) {
    sj_parse_addr(ip, &sin, port);
    if (sj_sys(SYS_bind, fd, (long)&sin, sizeof sin, 0, 0) < 0) { int e = errno; close((int)fd); errno = e; return -1; }
  }
  if (name && getsockname((int)fd, (struct sockaddr *)name, &len) < 0) { close((int)fd); return -1; }
  return fd;
}

/* bind(ARG:0); the value is the address getsockname shows. */
static void bind_check(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in name;
  const char *ip = strcmp(a, "other") == 0 ? c->other_ip : a;
  long fd = bound_socket(SOCK_STREAM, ip, 0, &name);
  if (fd < 0) { sj_err(errno, ip); return; }
  close((int)fd);
  sj_value(sj_addr_str(&name), ip);
}

/* A listener on the jail address, a client that connects to ARG (the jail ip or 127.0.0.1) unbound;
 * the value is the client's source address, or the error of connect. */
static void connect_source(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in lname, dst, src;
  socklen_t len = sizeof src;
  long l = bound_socket(SOCK_STREAM, c->ip, 0, &lname);
  if (l < 0) { sj_err(errno, "listener on the jail address"); return; }
  if (listen((int)l, 4) < 0) { sj_err(errno, "listen"); return; }
  long s = sj_sys(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket"); return; }
  sj_parse_addr(strcmp(a, "jail") == 0 ? c->ip : a, &dst, ntohs(lname.sin_port));
  if (sj_sys(SYS_connect, s, (long)&dst, sizeof dst, 0, 0) < 0) { sj_err(errno, "connect"); return; }
  getsockname((int)s, (struct sockaddr *)&src, &len);
  sj_value(sj_addr_str(&src), "source of an unbound connect");
  close((int)s); close((int)l);
}

static void udp_source(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in rname, from;
  socklen_t len = sizeof from;
  char buf[8];
  (void)a;
  long r = bound_socket(SOCK_DGRAM, c->ip, 0, &rname);
  if (r < 0) { sj_err(errno, "receiver on the jail address"); return; }
  long s = sj_sys(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket"); return; }
  if (sj_sendto(s, "x", 1, &rname, sizeof rname) < 0) { sj_err(errno, "sendto"); return; }
  struct timeval tv = {2, 0};
  setsockopt((int)r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (recvfrom((int)r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0) { sj_err(errno, "recvfrom"); return; }
  sj_value(sj_addr_str(&from), "source of an unbound sendto");
  close((int)s); close((int)r);
}

/* sendmsg with an IP_PKTINFO control message that asks for another source address (ipi_spec_dst), from
 * an unbound socket (ARG "unbound") or one bound to the jail address (ARG "bound"), to a receiver on the
 * jail address; the value is the source the receiver sees ("lost" when nothing arrives in 2 s). */
static void udp_pktinfo(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in rname, from, other;
  socklen_t len = sizeof from;
  char buf[8], ctl[CMSG_SPACE(sizeof(struct in_pktinfo))];
  long r = bound_socket(SOCK_DGRAM, c->ip, 0, &rname);
  if (r < 0) { sj_err(errno, "receiver on the jail address"); return; }
  long s = strcmp(a, "bound") == 0 ? bound_socket(SOCK_DGRAM, c->ip, 0, NULL)
                                   : sj_sys(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "sender"); close((int)r); return; }
  sj_parse_addr(c->other_ip, &other, 0);
  struct iovec iov = {(void *)"x", 1};
  struct msghdr msg = {0};
  memset(ctl, 0, sizeof ctl);
  msg.msg_name = &rname;
  msg.msg_namelen = sizeof rname;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = IPPROTO_IP;
  cm->cmsg_type = IP_PKTINFO;
  cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
  struct in_pktinfo pi = {0};
  pi.ipi_spec_dst = other.sin_addr;
  memcpy(CMSG_DATA(cm), &pi, sizeof pi);
  if (sj_sys(SYS_sendmsg, s, (long)&msg, 0, 0, 0) < 0) {
    sj_err(errno, "sendmsg(IP_PKTINFO other source)");
    close((int)s); close((int)r);
    return;
  }
  struct timeval tv = {2, 0};
  setsockopt((int)r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (recvfrom((int)r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0)
    sj_value("lost", "nothing arrived: sendmsg(IP_PKTINFO other source)");
  else
    sj_value(sj_addr_str(&from), "source with IP_PKTINFO asking for another address");
  close((int)s); close((int)r);
}

/* The sleeper's abstract UNIX sockets in the host's network namespace (@sjtest-TOKEN, a stream one that
 * answers with the token, and @sjtest-TOKEN-dgram): abstract names are not files, so a jail that shares
 * the host's network stack must refuse them itself. ARG: stream | dgram. */
static void unix_abstract(const struct sj_ctx *c, const char *a) {
  int dgram = strcmp(a, "dgram") == 0;
  if (!c->abstract) { sj_unproven("the runner saw no abstract socket of the sleeper"); return; }
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                              snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "sjtest-%s%s", c->token,
                                       dgram ? "-dgram" : ""));
  long s = sj_sys(SYS_socket, AF_UNIX, dgram ? SOCK_DGRAM : SOCK_STREAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket(AF_UNIX)"); return; }
  if (dgram) {
    long r = sj_sendto(s, "x", 1, &sun, len);
    int e = errno;
    close((int)s);
    if (r < 0) { sj_err(e, "sendto(@sjtest-TOKEN-dgram)"); return; }
    sj_value("outside", "a datagram reached the host's abstract socket");
    return;
  }
  if (sj_sys(SYS_connect, s, (long)&sun, len, 0, 0) < 0) {
    sj_err(errno, "connect(@sjtest-TOKEN)");
    close((int)s);
    return;
  }
  char buf[80] = {0};
  struct timeval tv = {2, 0};
  setsockopt((int)s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = read((int)s, buf, sizeof buf - 1);
  close((int)s);
  sj_value(n > 0 && strstr(buf, c->token) ? "outside" : "connected", "connected to the host's abstract socket");
}

/* Squatting: the jail binds an abstract name (@sjtest-squat-TOKEN) a host service could later want;
 * the runner, outside, connects to that name as soon as it appears and says "host". Kept if the bind
 * is refused or no host client gets in within 3 s. */
static void abstract_squat(const struct sj_ctx *c, const char *a) {
  (void)a;
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                              snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "sjtest-squat-%s", c->token));
  long s = sj_sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket(AF_UNIX)"); return; }
  if (sj_sys(SYS_bind, s, (long)&sun, len, 0, 0) < 0) { sj_err(errno, "bind(@sjtest-squat-TOKEN)"); close((int)s); return; }
  if (listen((int)s, 4) < 0) { sj_err(errno, "listen"); close((int)s); return; }
  struct pollfd p = {.fd = (int)s, .events = POLLIN};
  if (poll(&p, 1, 3000) <= 0) { close((int)s); sj_value("unanswered", "no host client within 3 s"); return; }
  int conn = accept((int)s, NULL, NULL);
  close((int)s);
  if (conn < 0) { sj_err(errno, "accept"); return; }
  char buf[16] = {0};
  struct pollfd q = {.fd = conn, .events = POLLIN};
  ssize_t n = poll(&q, 1, 2000) > 0 ? read(conn, buf, sizeof buf - 1) : 0;
  close(conn);
  sj_value(n > 0 && strncmp(buf, "host", 4) == 0 ? "host-connected" : "connected",
           "a host client connected to the name the jail bound");
}

/* The runner's service on 127.0.0.1 only answers with the token; a jail maps 127.0.0.1 to its own
 * address, so connect (ARG tcp) is refused and a datagram (ARG udp) gets no answer from outside. */
static void loopback_service(const struct sj_ctx *c, const char *a) {
  int udp = strcmp(a, "udp") == 0, port = udp ? c->loop_udp : c->loop_tcp;
  if (!port) { sj_unproven("the runner has no service on 127.0.0.1"); return; }
  struct sockaddr_in dst;
  sj_parse_addr("127.0.0.1", &dst, port);
  long s = sj_sys(SYS_socket, AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket"); return; }
  struct timeval tv = {1, 0}; /* the service answers at once */
  setsockopt((int)s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (udp ? sj_sendto(s, "x", 1, &dst, sizeof dst) < 0 : sj_sys(SYS_connect, s, (long)&dst, sizeof dst, 0, 0) < 0) {
    sj_err(errno, udp ? "sendto(127.0.0.1)" : "connect(127.0.0.1)");
    close((int)s);
    return;
  }
  char buf[80] = {0};
  ssize_t n = read((int)s, buf, sizeof buf - 1);
  close((int)s);
  if (n > 0 && strstr(buf, c->token)) sj_value("outside", "the host's 127.0.0.1 service answered");
  else sj_value("unanswered", udp ? "no answer from 127.0.0.1" : "connected, no answer");
}

/* listen() on a never-bound socket; closed at once, never accepts. */
static void listen_unbound(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in name;
  socklen_t len = sizeof name;
  (void)c; (void)a;
  long s = sj_sys(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0);
  if (s < 0) { sj_err(errno, "socket"); return; }
  long r = sj_sys(SYS_listen, s, 1, 0, 0, 0);
  if (r < 0) { sj_err(errno, "listen"); close((int)s); return; }
  getsockname((int)s, (struct sockaddr *)&name, &len);
  close((int)s);
  sj_value(sj_addr_str(&name), "listen without bind");
}

/* Races: a thread flips the address between the jail's and another loopback address while bind or
 * connect is in flight; the value is "never" or the forbidden address seen. */
struct race { struct sockaddr_in addr; struct sockaddr_in good, bad; volatile int stop; };

static void *flipper(void *p) {
  struct race *r = p;
  while (!r->stop) {
    r->addr.sin_addr = r->bad.sin_addr;
    __asm__ volatile("" ::: "memory");
    r->addr.sin_addr = r->good.sin_addr;
  }
  return NULL;
}

static int race_iterations(const char *a) { int n = atoi(a); return n > 0 ? n : 20000; }

static long race_call(long fd, void *addr, int len, int do_connect, int via_socketcall) {
#if defined(__i386__)
  if (via_socketcall) {
    long args[3] = {fd, (long)addr, len};
    return sj_sys(SYS_socketcall, do_connect ? 3 /* SYS_CONNECT */ : 2 /* SYS_BIND */, (long)args, 0, 0, 0);
  }
#else
  (void)via_socketcall;
#endif
  return sj_sys(do_connect ? SYS_connect : SYS_bind, fd, (long)addr, len, 0, 0);
}

static void race(const struct sj_ctx *c, const char *a, int do_connect, int via_socketcall) {
  static struct race r;
  pthread_t t;
  int n = race_iterations(a), seen_bad = 0, ok = 0;
  char bad[INET_ADDRSTRLEN] = "never";
  sj_parse_addr(c->ip, &r.good, 0);
  sj_parse_addr(c->other_ip, &r.bad, 0);
  r.addr = r.good;
  if (do_connect) { r.good.sin_port = r.bad.sin_port = r.addr.sin_port = htons(9); }
  if (pthread_create(&t, NULL, flipper, &r) != 0) { sj_err(errno, "pthread_create"); return; }
  for (int i = 0; i < n && !seen_bad; i++) {
    long fd = sj_sys(SYS_socket, AF_INET, do_connect ? SOCK_DGRAM : SOCK_STREAM, 0, 0, 0);
    if (fd < 0) continue;
    long res = race_call(fd, &r.addr, sizeof r.addr, do_connect, via_socketcall);
    if (res == 0) {
      struct sockaddr_in name;
      socklen_t len = sizeof name;
      ok++;
      if (getsockname((int)fd, (struct sockaddr *)&name, &len) == 0 &&
          name.sin_addr.s_addr != r.good.sin_addr.s_addr && name.sin_addr.s_addr != 0)
        seen_bad = 1, snprintf(bad, sizeof bad, "%s", sj_addr_str(&name));
    }
    close((int)fd);
  }
  r.stop = 1;
  pthread_join(t, NULL);
  char detail[96];
  snprintf(detail, sizeof detail, "%d iterations, %d succeeded", n, ok);
  sj_value(bad, detail);
}

static void race_bind(const struct sj_ctx *c, const char *a) { race(c, a, 0, 0); }
static void race_connect(const struct sj_ctx *c, const char *a) { race(c, a, 1, 0); }
static void race_bind_sc(const struct sj_ctx *c, const char *a) { race(c, a, 0, 1); }
static void race_connect_sc(const struct sj_ctx *c, const char *a) { race(c, a, 1, 1); }

const struct sj_probe sj_probes_net[] = {{"socket", socket_family},         {"bind-check", bind_check},
                                         {"connect-source", connect_source}, {"udp-source", udp_source},
                                         {"listen-unbound", listen_unbound}, {"race-bind", race_bind},
                                         {"udp-pktinfo", udp_pktinfo},
                                         {"unix-abstract", unix_abstract},
                                         {"abstract-squat", abstract_squat},
                                         {"loopback-service", loopback_service},
                                         {"race-connect", race_connect},
                                         {"race-bind-socketcall", race_bind_sc},
                                         {"race-connect-socketcall", race_connect_sc}, SJ_PROBE_END};
