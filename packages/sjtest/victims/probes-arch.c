/* Entry-point probes. i386: the socketcall and ipc multiplexers. x86_64: x32 numbers (nr | 0x40000000)
 * and `int 0x80` from a 64-bit process (i386 numbers; pointers stay below 4 GiB: the victim is static
 * and not position independent). */
#include "victim.h"
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__i386__)
static long socketcall(int call, long *args) { return sj_sys(SYS_socketcall, call, (long)args, 0, 0, 0); }

static void sc_socket(const struct sj_ctx *c, const char *a) {
  long args[3] = {0, 0, 0};
  int f = 0, t = 0, p = 0;
  (void)c;
  sscanf(a, "%d,%d,%d", &f, &t, &p);
  args[0] = f; args[1] = t; args[2] = p;
  long fd = socketcall(1 /* SYS_SOCKET */, args);
  if (fd >= 0) close((int)fd);
  sj_result(fd, a);
}

static void sc_bind(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in sin, name;
  socklen_t len = sizeof name;
  const char *ip = strcmp(a, "other") == 0 ? c->other_ip : a;
  long args[3] = {AF_INET, SOCK_STREAM, 0};
  long fd = socketcall(1, args);
  if (fd < 0) { sj_err(errno, "socketcall(SOCKET)"); return; }
  sj_parse_addr(ip, &sin, 0);
  args[0] = fd; args[1] = (long)&sin; args[2] = sizeof sin;
  if (socketcall(2 /* SYS_BIND */, args) < 0) { sj_err(errno, ip); close((int)fd); return; }
  getsockname((int)fd, (struct sockaddr *)&name, &len);
  close((int)fd);
  sj_value(sj_addr_str(&name), ip);
}

static void ipc_call(const struct sj_ctx *c, const char *a) {
  (void)c;
  long id;
  if (strcmp(a, "shmget") == 0) {
    id = sj_sys(SYS_ipc, 23 /* SHMGET */, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 0);
    if (id >= 0) shmctl((int)id, IPC_RMID, NULL);
  } else if (strcmp(a, "semget") == 0) {
    id = sj_sys(SYS_ipc, 2 /* SEMGET */, IPC_PRIVATE, 1, IPC_CREAT | 0600, 0);
    if (id >= 0) semctl((int)id, 0, IPC_RMID);
  } else {
    id = sj_sys(SYS_ipc, 13 /* MSGGET */, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0);
    if (id >= 0) msgctl((int)id, IPC_RMID, NULL);
  }
  sj_result(id, a);
}

const struct sj_probe sj_probes_arch[] = {
    {"socketcall-socket", sc_socket}, {"socketcall-bind", sc_bind}, {"ipc", ipc_call}, SJ_PROBE_END};

#elif defined(__x86_64__)
#define X32 0x40000000L

static long int80(long nr, long a1, long a2, long a3) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a1), "c"(a2), "d"(a3)
                   : "memory", "r8", "r9", "r10", "r11");
  if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
  return ret;
}

/* x32 getpid: a result equal to our pid means an x32 call was executed. */
static void x32_getpid(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = syscall(X32 | 39);
  if (r < 0) { sj_err(errno, "x32 getpid"); return; }
  sj_value(r == getpid() ? "executed" : "returned", "x32 getpid");
}
static void x32_call(const struct sj_ctx *c, const char *a) {
  (void)c;
  long r;
  if (strcmp(a, "socket") == 0) r = syscall(X32 | 41, AF_PACKET, SOCK_RAW, 0);
  else r = syscall(X32 | 29, IPC_PRIVATE, 4096, IPC_CREAT | 0600); /* shmget */
  if (r >= 0 && strcmp(a, "socket") == 0) close((int)r);
  if (r >= 0 && strcmp(a, "socket") != 0) shmctl((int)r, IPC_RMID, NULL);
  sj_result(r, a);
}
static void int80_call(const struct sj_ctx *c, const char *a) {
  (void)c;
  long r;
  if (strcmp(a, "getpid") == 0) {
    r = int80(20, 0, 0, 0);
    if (r < 0) { sj_err(errno, "int 0x80 getpid"); return; }
    sj_value(r == getpid() ? "executed" : "returned", "int 0x80 getpid from 64-bit code");
    return;
  }
  if (strcmp(a, "socket") == 0) { r = int80(359, AF_PACKET, SOCK_RAW, 0); if (r >= 0) close((int)r); }
  else if (strcmp(a, "unshare") == 0) r = int80(310, 0x10000000 /* CLONE_NEWUSER */, 0, 0);
  else { r = int80(395, IPC_PRIVATE, 4096, IPC_CREAT | 0600); if (r >= 0) shmctl((int)r, IPC_RMID, NULL); }
  sj_result(r, a);
}

const struct sj_probe sj_probes_arch[] = {
    {"x32-getpid", x32_getpid}, {"x32", x32_call}, {"int80", int80_call}, SJ_PROBE_END};
#endif
