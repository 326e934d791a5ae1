/*
 * The integration tests' victim: `probe <group> [args...]` tries one group of things inside a jail and
 * prints one line per attempt, `<name> <result>`, where result is `ok`, an errno name (EPERM ...) or a
 * value. Built twice by the tests: 64-bit static and `-m32 -static` (i386; its kernel entry is int 0x80
 * or sysenter, both the i386 ABI). It never writes to /proc/sys, /sys or /proc/sysrq-trigger (it only
 * opens them O_WRONLY and closes), and calls reboot(2) only after proving it is in a PID namespace other
 * than the host's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define NETLINK_ROUTE_ 0
#define NETLINK_SOCK_DIAG_ 4

static void report(const char *name, long rc) {
  if (rc < 0) printf("%s %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else printf("%s ok\n", name);
  fflush(stdout);
}

/* A call that must fail; if it unexpectedly returns an fd, close it. */
static void reportFd(const char *name, long fd) {
  report(name, fd);
  if (fd >= 0) close((int)fd);
}

static uint32_t ipOf(const char *s) {
  struct in_addr a;
  inet_pton(AF_INET, s, &a);
  return a.s_addr;
}

static const char *addrOf(int fd, int peer) {
  static char buf[64];
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if ((peer ? getpeername(fd, (struct sockaddr *)&sa, &len) : getsockname(fd, (struct sockaddr *)&sa, &len)) < 0)
    return strerrorname_np(errno);
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
  snprintf(buf, sizeof buf, "%s:%u", ip, ntohs(sa.sin_port));
  return buf;
}

/* ---- filesystem: probe fs <host path of the secret> ---- */

static void readAttempt(const char *name, const char *path) {
  char buf[128] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    report(name, -1);
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == '\n' || buf[i] == ' ') buf[i] = '_';
  printf("%s read:%s\n", name, n > 0 ? buf : "");
}

static void fsProbe(const char *secret) {
  struct stat root, up;
  stat("/", &root);
  stat("/../../../..", &up);
  printf("dotdot %s\n", root.st_ino == up.st_ino && root.st_dev == up.st_dev ? "same" : "different");
  chdir("/");
  for (int i = 0; i < 8; i++) chdir("..");
  char cwd[256];
  printf("cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  readAttempt("secret-direct", secret);
  char path[512];
  snprintf(path, sizeof path, "/../../../../../../..%s", secret);
  readAttempt("secret-dotdot", path);
  readAttempt("link-absolute", "/link-absolute");
  readAttempt("link-relative", "/link-relative");
  readAttempt("link-relative-deep", "/tmp/link-relative-deep");
  /* chroot-in-chroot: chroot(d), then climb out of d with .. */
  mkdir("/tmp/cc", 0700);
  int rc = chroot("/tmp/cc");
  report("chroot", rc);
  if (rc == 0) {
    for (int i = 0; i < 16; i++) chdir("..");
    chroot(".");
    readAttempt("secret-after-chroot", secret);
  }
  /* fds inherited from whoever started the jail */
  int openFds = 0;
  for (int fd = 3; fd < 1024; fd++)
    if (fcntl(fd, F_GETFD) >= 0) {
      printf("inherited-fd %d\n", fd);
      openFds++;
      char rel[512];
      snprintf(rel, sizeof rel, "../../../../../../../..%s", secret);
      int s = openat(fd, rel, O_RDONLY);
      printf("inherited-fd-reach %s\n", s >= 0 ? "open" : strerrorname_np(errno));
      if (s >= 0) close(s);
      fchdir(fd);
      printf("inherited-fd-fchdir %s\n", getcwd(cwd, sizeof cwd) ? cwd : strerrorname_np(errno));
    }
  printf("inherited-fds %d\n", openFds);
  /* open_by_handle_at with a crafted handle (the "shocker" escape: inode 2 of the host fs) */
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[8];
  } h = {8, 1, {2, 0, 0, 0, 0, 0, 0, 0}};
  int dir = open("/", O_RDONLY | O_DIRECTORY);
  reportFd("open_by_handle_at", syscall(SYS_open_by_handle_at, dir, &h, O_RDONLY));
  close(dir);
  /* /proc lists only the jail */
  DIR *d = opendir("/proc");
  printf("proc-pids");
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') printf(" %s", e->d_name);
  printf("\n");
  if (d) closedir(d);
  /* read-only interfaces: open O_WRONLY and close at once, never write */
  const char *ro[] = {"/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches", "/proc/sys/kernel/core_pattern",
                      "/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled", "/proc/sysrq-trigger"};
  for (unsigned i = 0; i < sizeof ro / sizeof ro[0]; i++) {
    if (access(ro[i], F_OK) < 0) {
      printf("wronly:%s absent\n", ro[i]);
      continue;
    }
    char name[128];
    snprintf(name, sizeof name, "wronly:%s", ro[i]);
    reportFd(name, open(ro[i], O_WRONLY));
  }
  struct statvfs v;
  if (statvfs("/proc/sys", &v) == 0) printf("statvfs:/proc/sys %s\n", v.f_flag & ST_RDONLY ? "ro" : "rw");
  if (statvfs("/sys", &v) == 0) printf("statvfs:/sys %s\n", v.f_flag & ST_RDONLY ? "ro" : "rw");
  fflush(stdout);
}

/* ---- processes: probe proc <host pid> ---- */

static void procProbe(pid_t host) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d", host);
  struct stat st;
  report("proc-entry", stat(path, &st));
  report("kill-0", kill(host, 0));
  report("kill-TERM", kill(host, SIGTERM));
  report("ptrace-attach", syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, host, 0, 0));
  report("ptrace-seize", syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, host, 0, 0));
  char buf[16];
  struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
  report("process_vm_readv", syscall(SYS_process_vm_readv, host, &local, 1, &remote, 1, 0));
  reportFd("pidfd_open", syscall(SYS_pidfd_open, host, 0));
  report("getpgid", getpgid(host));
  report("sched_getaffinity", ({
           cpu_set_t set;
           sched_getaffinity(host, sizeof set, &set);
         }));
  printf("mypid %d\n", getpid());
}

/* ---- hostname: probe host ---- */

static void hostProbe(void) {
  struct utsname u;
  uname(&u);
  char name[128];
  gethostname(name, sizeof name);
  printf("uname %s\ngethostname %s\n", u.nodename, name);
  report("sethostname", sethostname("jail-renamed", 12));
  gethostname(name, sizeof name);
  printf("after %s\n", name);
  report("setdomainname", setdomainname("evil", 4));
}

/* ---- network: probe net <jail ip> <other ip> <tcp port> <udp port> ---- */

static void netProbe(const char *jailIp, const char *otherIp, int tcpPort, int udpPort) {
  reportFd("AF_PACKET-raw", socket(AF_PACKET, SOCK_RAW, htons(3)));
  reportFd("AF_PACKET-dgram", socket(AF_PACKET, SOCK_DGRAM, htons(3)));
  reportFd("NETLINK_SOCK_DIAG", socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG_));
  reportFd("NETLINK_ROUTE", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE_));
  reportFd("AF_ALG", socket(AF_ALG, SOCK_SEQPACKET, 0));
  reportFd("AF_VSOCK", socket(AF_VSOCK, SOCK_STREAM, 0));
  reportFd("AF_INET-raw", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  /* inet protocols other than TCP and UDP (the ping socket's bind skips the cgroup bind hook) */
  reportFd("AF_INET-ping", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP));
  reportFd("AF_INET-mptcp", socket(AF_INET, SOCK_STREAM, 262));
  reportFd("AF_INET-sctp", socket(AF_INET, SOCK_SEQPACKET, 132));
  reportFd("AF_INET-sctp-stream", socket(AF_INET, SOCK_STREAM, 132));
  reportFd("AF_INET-udplite", socket(AF_INET, SOCK_DGRAM, 136));
  reportFd("AF_INET-tcp", socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
  reportFd("AF_INET-udp", socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
  reportFd("AF_INET6", socket(AF_INET6, SOCK_STREAM, 0));
  reportFd("AF_UNIX", socket(AF_UNIX, SOCK_STREAM, 0));
  struct sockaddr_in sa = {.sin_family = AF_INET};
  const char *binds[][2] = {{"bind-any", "0.0.0.0"}, {"bind-localhost", "127.0.0.1"}, {"bind-jail", jailIp}, {"bind-other", otherIp}};
  for (unsigned i = 0; i < 4; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = ipOf(binds[i][1]);
    sa.sin_port = 0;
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) report(binds[i][0], -1);
    else printf("%s %s\n", binds[i][0], addrOf(s, 0));
    close(s);
  }
  /* listen() on a never-bound socket */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (listen(l, 4) < 0) report("listen-unbound", -1);
  else printf("listen-unbound %s\n", addrOf(l, 0));
  close(l);
  /* connect without bind: to the jail IP, then to 127.0.0.1 (a host server on jail IP:port) */
  const char *dests[][2] = {{"connect-jail", jailIp}, {"connect-localhost", "127.0.0.1"}};
  for (unsigned i = 0; i < 2; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = ipOf(dests[i][1]);
    sa.sin_port = htons(tcpPort);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) report(dests[i][0], -1);
    else {
      printf("%s-local %s\n", dests[i][0], addrOf(s, 0));
      printf("%s-peer %s\n", dests[i][0], addrOf(s, 1));
      char b[64] = {0};
      ssize_t n = read(s, b, sizeof b - 1); /* the host server writes what it saw as our address */
      printf("%s-seen %s\n", dests[i][0], n > 0 ? b : "nothing");
    }
    close(s);
  }
  /* UDP sendto without bind */
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  sa.sin_addr.s_addr = ipOf(jailIp);
  sa.sin_port = htons(udpPort);
  report("udp-sendto", sendto(u, "udp-jail", 8, 0, (struct sockaddr *)&sa, sizeof sa));
  printf("udp-local %s\n", addrOf(u, 0));
  close(u);
  u = socket(AF_INET, SOCK_DGRAM, 0);
  sa.sin_addr.s_addr = ipOf("127.0.0.1");
  report("udp-sendto-localhost", sendto(u, "udp-localhost", 13, 0, (struct sockaddr *)&sa, sizeof sa));
  close(u);
  fflush(stdout);
}

/* probe udp-ingress <jail ip> <port>: an autobound UDP socket (on 0.0.0.0) prints what reaches it */
static void udpIngress(const char *jailIp, int port) {
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = ipOf(jailIp), .sin_port = htons(port)};
  report("udp-hello", sendto(u, "hello", 5, 0, (struct sockaddr *)&sa, sizeof sa));
  printf("udp-local %s\n", addrOf(u, 0));
  struct timeval tv = {3, 0};
  setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (;;) {
    char b[64] = {0};
    if (recv(u, b, sizeof b - 1, 0) < 0) {
      report("udp-recv-end", -1);
      break;
    }
    printf("udp-recv-%s ok\n", b);
    if (!strcmp(b, "done")) break;
  }
  close(u);
}

/* ---- kernel interfaces: probe danger ---- */

static void dangerProbe(void) {
  report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  report("umount", umount2("/proc", MNT_DETACH));
  report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
  report("chroot", chroot("/tmp"));
  report("init_module", syscall(SYS_init_module, NULL, 0, ""));
  report("finit_module", syscall(SYS_finit_module, -1, "", 0));
  report("delete_module", syscall(SYS_delete_module, "sysjail_no_such_module", O_NONBLOCK));
#ifdef SYS_kexec_load
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0x7fff0000 /* invalid flags */));
#endif
#ifdef SYS_iopl
  report("iopl", syscall(SYS_iopl, 3));
#endif
#ifdef SYS_ioperm
  report("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
#endif
  struct timespec bad = {0, 2000000000L}; /* invalid: EINVAL if the call were reached */
  report("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
  report("swapon", syscall(SYS_swapon, "/sysjail-no-such-swap", 0));
  report("acct", syscall(SYS_acct, "/sysjail-no-such-acct"));
  report("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0));
  report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
  reportFd("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
  reportFd("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
  report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -2, 0));
  report("add_key", syscall(SYS_add_key, "user", "sysjail", "x", 1, -2));
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[8];
  } h = {8, 1, {2, 0, 0, 0, 0, 0, 0, 0}};
  reportFd("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, &h, O_RDONLY));
  report("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &(int){0}, 0));
  unlink("/tmp/probe-chr");
  unlink("/tmp/probe-blk");
  report("mknod-chr", mknod("/tmp/probe-chr", S_IFCHR | 0600, makedev(1, 3)));
  report("mknod-blk", mknod("/tmp/probe-blk", S_IFBLK | 0600, makedev(7, 0)));
  report("mknodat-chr", mknodat(AT_FDCWD, "/tmp/probe-chr", S_IFCHR | 0600, makedev(1, 3)));
  report("mknod-fifo", mknod("/tmp/probe-fifo", S_IFIFO | 0600, 0));
  unlink("/tmp/probe-fifo");
  const struct {
    const char *name;
    int flag;
  } ns[] = {{"CLONE_NEWUSER", CLONE_NEWUSER}, {"CLONE_NEWNS", CLONE_NEWNS}, {"CLONE_NEWNET", CLONE_NEWNET},
            {"CLONE_NEWPID", CLONE_NEWPID}, {"CLONE_NEWUTS", CLONE_NEWUTS}, {"CLONE_NEWIPC", CLONE_NEWIPC},
            {"CLONE_NEWCGROUP", CLONE_NEWCGROUP}, {"CLONE_NEWTIME", 0x80}};
  for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "unshare-%s", ns[i].name);
    report(name, unshare(ns[i].flag));
    /* clone(2) with the flag, fork-like (no stack): a child that got through exits at once */
    snprintf(name, sizeof name, "clone-%s", ns[i].name);
    long pid = syscall(SYS_clone, ns[i].flag | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid((pid_t)pid, NULL, 0);
    report(name, pid);
  }
  int nsfd = open("/proc/self/ns/uts", O_RDONLY);
  report("setns", setns(nsfd, 0));
  close(nsfd);
  int ptm = posix_openpt(O_RDWR | O_NOCTTY);
  if (ptm < 0) report("ptmx", -1);
  else {
    grantpt(ptm);
    unlockpt(ptm);
    int pts = open(ptsname(ptm), O_RDWR | O_NOCTTY);
    report("TIOCSTI", ioctl(pts < 0 ? ptm : pts, TIOCSTI, "x"));
    report("TIOCLINUX", ioctl(pts < 0 ? ptm : pts, TIOCLINUX, &(char){0}));
    close(pts);
    close(ptm);
  }
  /* SysV IPC */
  report("shmget", shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  report("semget", semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
  report("msgget", msgget(IPC_PRIVATE, IPC_CREAT | 0600));
  /* chattr +i */
  int f = open("/tmp/probe-chattr", O_CREAT | O_RDWR, 0600);
  int flags = 0;
  int got = ioctl(f, FS_IOC_GETFLAGS, &flags);
  report("FS_IOC_GETFLAGS", got);
  flags |= FS_IMMUTABLE_FL;
  int set = ioctl(f, FS_IOC_SETFLAGS, &flags);
  report("FS_IOC_SETFLAGS", set);
  if (set == 0) { /* undo at once: the file is in the host's tree */
    flags &= ~FS_IMMUTABLE_FL;
    ioctl(f, FS_IOC_SETFLAGS, &flags);
  }
  close(f);
  unlink("/tmp/probe-chattr");
  /* the capability bounding set */
  FILE *st = fopen("/proc/self/status", "r");
  char line[256];
  while (st && fgets(line, sizeof line, st))
    if (!strncmp(line, "CapBnd:", 7) || !strncmp(line, "CapEff:", 7) || !strncmp(line, "NoNewPrivs:", 11) ||
        !strncmp(line, "Seccomp:", 8)) {
      line[strcspn(line, "\n")] = 0;
      char *v = line + strcspn(line, "\t ");
      v += strspn(v, "\t ");
      line[strcspn(line, ":")] = 0;
      printf("%s %s\n", line, v);
    }
  if (st) fclose(st);
  fflush(stdout);
}

#ifdef __i386__
/* ---- i386 only: the calls through int 0x80 ---- */

static long int80(long nr, long a, long b, long c, long d) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

static void int80Probe(void) {
  long args[3] = {AF_PACKET, SOCK_DGRAM, 0};
  reportFd("socketcall-AF_PACKET", int80(102, 1 /* SYS_SOCKET */, (long)args, 0, 0));
  long raw[3] = {AF_INET, SOCK_RAW, IPPROTO_ICMP};
  reportFd("socketcall-raw", int80(102, 1, (long)raw, 0, 0));
  long alg[3] = {AF_ALG, SOCK_SEQPACKET, 0};
  reportFd("socketcall-AF_ALG", int80(102, 1, (long)alg, 0, 0));
  long diag[3] = {AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG_};
  reportFd("socketcall-NETLINK_SOCK_DIAG", int80(102, 1, (long)diag, 0, 0));
  long inet[3] = {AF_INET, SOCK_STREAM, 0};
  reportFd("socketcall-AF_INET", int80(102, 1, (long)inet, 0, 0));
  report("ipc-SHMGET", int80(117, 23 /* SHMGET */, IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  report("ipc-SEMGET", int80(117, 2 /* SEMGET */, IPC_PRIVATE, 1, IPC_CREAT | 0600));
  report("ipc-MSGGET", int80(117, 13 /* MSGGET */, IPC_PRIVATE, IPC_CREAT | 0600, 0));
  report("int80-mount", int80(21, (long)"none", (long)"/tmp", (long)"tmpfs", 0));
  report("int80-unshare-NEWUSER", int80(310, CLONE_NEWUSER, 0, 0, 0));
  report("int80-setdomainname", int80(121, (long)"evil", 4, 0, 0));
  report("int80-iopl", int80(110, 3, 0, 0, 0));
  report("int80-getpid", int80(20, 0, 0, 0, 0));
  fflush(stdout);
}
#endif

/* ---- unix: the jail's UNIX sockets live in its own network namespace (abstract names) ---- */

/* An abstract address @name (sun_path[0] = NUL); returns its length. */
static socklen_t abstractAddr(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  size_t n = strlen(name);
  if (n > sizeof a->sun_path - 1) n = sizeof a->sun_path - 1;
  memcpy(a->sun_path + 1, name, n);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* A UNIX socket and a socket pair made by each way this ABI has (x86_64: socket and socketpair; i386:
 * the direct calls and socketcall's SYS_SOCKET and SYS_SOCKETPAIR). */
static long unixSocketBy(int way, int type) {
#ifdef __i386__
  long args[3] = {AF_UNIX, type, 0};
  return way ? int80(102, 1 /* SYS_SOCKET */, (long)args, 0, 0) : int80(359, AF_UNIX, type, 0, 0);
#else
  (void)way;
  return syscall(SYS_socket, AF_UNIX, type, 0);
#endif
}
static long unixPairBy(int way, int type, int sv[2]) {
#ifdef __i386__
  long args[4] = {AF_UNIX, type, 0, (long)sv};
  return way ? int80(102, 8 /* SYS_SOCKETPAIR */, (long)args, 0, 0) : int80(360, AF_UNIX, type, 0, (long)sv);
#else
  (void)way;
  return syscall(SYS_socketpair, AF_UNIX, type, 0, sv);
#endif
}
#ifdef __i386__
#define UNIX_WAYS 2
static const char *const unixWay[] = {"direct", "socketcall"};
#else
#define UNIX_WAYS 1
static const char *const unixWay[] = {"direct"};
#endif

/* probe unix-squat <name> <ms>: binds @name-<way> (listening stream sockets) and @name-<way>-pair (one
 * end of a datagram socket pair), says "bound", then reports whether any client reached the listeners
 * within ms. A host client must not: the names are the jail's own. */
static void unixSquat(const char *name, int ms) {
  struct pollfd p[UNIX_WAYS];
  for (int w = 0; w < UNIX_WAYS; w++) {
    char n[96];
    struct sockaddr_un a;
    snprintf(n, sizeof n, "%s-%s", name, unixWay[w]);
    long s = unixSocketBy(w, SOCK_STREAM);
    socklen_t len = abstractAddr(&a, n);
    if (s < 0 || bind((int)s, (struct sockaddr *)&a, len) < 0 || listen((int)s, 4) < 0) {
      printf("bind-%s %s\n", unixWay[w], strerrorname_np(errno));
      return;
    }
    p[w] = (struct pollfd){.fd = (int)s, .events = POLLIN};
    int sv[2];
    snprintf(n, sizeof n, "%s-%s-pair", name, unixWay[w]);
    len = abstractAddr(&a, n);
    if (unixPairBy(w, SOCK_DGRAM, sv) < 0 || bind(sv[0], (struct sockaddr *)&a, len) < 0) {
      printf("bind-%s-pair %s\n", unixWay[w], strerrorname_np(errno));
      return;
    }
  }
  printf("bound ok\n");
  fflush(stdout);
  int n = poll(p, UNIX_WAYS, ms);
  printf("host-client %s\n", n > 0 ? "accepted" : "none");
}

/* One byte each way over a connected pair of descriptors. */
static int exchange(int a, int b) {
  char c = 0;
  return write(a, "x", 1) == 1 && read(b, &c, 1) == 1 && c == 'x' && write(b, "y", 1) == 1 &&
         read(a, &c, 1) == 1 && c == 'y';
}

/* probe unix-own <name> <host-abstract-name> <host-pathname>: the jail's own abstract and pathname
 * sockets work, socket pairs work with their flags, the host's abstract name is not there, and a host
 * service's pathname socket (a directory bound into the jail) is reached. */
static void unixOwn(const char *name, const char *hostName, const char *hostPath) {
  for (int w = 0; w < UNIX_WAYS; w++) {
    char n[96], label[64];
    struct sockaddr_un a;
    snprintf(n, sizeof n, "%s-%s", name, unixWay[w]);
    socklen_t len = abstractAddr(&a, n);
    long srv = unixSocketBy(w, SOCK_STREAM), cli = unixSocketBy(w, SOCK_STREAM);
    int ok = srv >= 0 && cli >= 0 && bind((int)srv, (struct sockaddr *)&a, len) == 0 && listen((int)srv, 1) == 0 &&
             connect((int)cli, (struct sockaddr *)&a, len) == 0;
    int acc = ok ? accept((int)srv, NULL, NULL) : -1;
    snprintf(label, sizeof label, "abstract-stream-%s", unixWay[w]);
    printf("%s %s\n", label, acc >= 0 && exchange((int)cli, acc) ? "ok" : strerrorname_np(errno));
    /* datagrams to an abstract name, from an autobound sender */
    snprintf(n, sizeof n, "%s-%s-dgram", name, unixWay[w]);
    len = abstractAddr(&a, n);
    long rd = unixSocketBy(w, SOCK_DGRAM), sd = unixSocketBy(w, SOCK_DGRAM);
    struct sockaddr_un from = {.sun_family = AF_UNIX};
    socklen_t flen = sizeof(sa_family_t);
    char c = 0;
    ok = rd >= 0 && sd >= 0 && bind((int)rd, (struct sockaddr *)&a, len) == 0 &&
         bind((int)sd, (struct sockaddr *)&from, flen) == 0 /* autobind */ &&
         sendto((int)sd, "d", 1, 0, (struct sockaddr *)&a, len) == 1 && recv((int)rd, &c, 1, 0) == 1 && c == 'd';
    flen = sizeof from;
    ok = ok && getsockname((int)sd, (struct sockaddr *)&from, &flen) == 0 && flen > sizeof(sa_family_t) &&
         from.sun_path[0] == 0;
    printf("abstract-dgram-%s %s\n", unixWay[w], ok ? "ok" : strerrorname_np(errno));
    /* socket pairs, with and without flags */
    int sv[2];
    ok = unixPairBy(w, SOCK_STREAM, sv) == 0 && exchange(sv[0], sv[1]) &&
         !(fcntl(sv[0], F_GETFD) & FD_CLOEXEC) && !(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
    printf("socketpair-%s %s\n", unixWay[w], ok ? "ok" : strerrorname_np(errno));
    ok = unixPairBy(w, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, sv) == 0 && exchange(sv[0], sv[1]) &&
         (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) && (fcntl(sv[1], F_GETFD) & FD_CLOEXEC) &&
         (fcntl(sv[0], F_GETFL) & O_NONBLOCK) && (fcntl(sv[1], F_GETFL) & O_NONBLOCK);
    printf("socketpair-flags-%s %s\n", unixWay[w], ok ? "ok" : strerrorname_np(errno));
    long f = unixSocketBy(w, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK);
    ok = f >= 0 && (fcntl((int)f, F_GETFD) & FD_CLOEXEC) && (fcntl((int)f, F_GETFL) & O_NONBLOCK) &&
         !(fcntl((int)cli, F_GETFD) & FD_CLOEXEC) && !(fcntl((int)cli, F_GETFL) & O_NONBLOCK);
    printf("socket-flags-%s %s\n", unixWay[w], ok ? "ok" : strerrorname_np(errno));
    /* the host's abstract name (a host server listens on it) is not in the jail's namespace */
    len = abstractAddr(&a, hostName);
    long h = unixSocketBy(w, SOCK_STREAM);
    char got[32] = {0};
    if (h >= 0 && connect((int)h, (struct sockaddr *)&a, len) == 0)
      printf("host-abstract-%s %s\n", unixWay[w], read((int)h, got, sizeof got - 1) > 0 ? got : "connected");
    else
      printf("host-abstract-%s %s\n", unixWay[w], strerrorname_np(errno));
    /* a host service's pathname socket, through a directory bound into the jail */
    struct sockaddr_un pa = {.sun_family = AF_UNIX};
    snprintf(pa.sun_path, sizeof pa.sun_path, "%s", hostPath);
    long hp = unixSocketBy(w, SOCK_STREAM);
    char buf[32] = {0};
    ok = hp >= 0 && connect((int)hp, (struct sockaddr *)&pa, sizeof pa) == 0 && read((int)hp, buf, sizeof buf - 1) > 0;
    printf("host-pathname-%s %s\n", unixWay[w], ok ? buf : strerrorname_np(errno));
    /* a syslog-style pathname datagram socket of the jail's (/dev/log in a real jail) */
    struct sockaddr_un la = {.sun_family = AF_UNIX};
    snprintf(la.sun_path, sizeof la.sun_path, "/tmp/log-%s", unixWay[w]);
    unlink(la.sun_path);
    long lr = unixSocketBy(w, SOCK_DGRAM), ls = unixSocketBy(w, SOCK_DGRAM);
    c = 0;
    ok = lr >= 0 && ls >= 0 && bind((int)lr, (struct sockaddr *)&la, sizeof la) == 0 &&
         connect((int)ls, (struct sockaddr *)&la, sizeof la) == 0 && send((int)ls, "l", 1, 0) == 1 &&
         recv((int)lr, &c, 1, 0) == 1 && c == 'l';
    printf("pathname-dgram-%s %s\n", unixWay[w], ok ? "ok" : strerrorname_np(errno));
    unlink(la.sun_path);
  }
}

/* Whether fd is a UNIX stream socket of the host's namespace: the host holds @hostName there (bind
 * EADDRINUSE), the jail's namespace does not (bind ok; closing frees the name again). */
static int inHostNamespace(long fd, const char *hostName) {
  struct sockaddr_un a;
  socklen_t len = abstractAddr(&a, hostName);
  return bind((int)fd, (struct sockaddr *)&a, len) < 0 && errno == EADDRINUSE;
}

/* probe unix-loop <host-name> <marker>: makes UNIX stream sockets and socket pairs by every way this ABI
 * has, forever; says "looping" after the first round. A socket in the host's namespace (one made
 * unmediated, after the supervisor died) writes the marker and exits 9. A failed call is fine (fail
 * closed): the first errno of each call is appended to the marker's ".failed" file (made at the start).
 * Loopers in one jail share its namespace: each needs a host name of its own (a socket of one bound to
 * the other's name would fail the other's bind as the host's does). */
static void unixLoop(const char *hostName, const char *marker) {
  char failed[256];
  snprintf(failed, sizeof failed, "%s.failed", marker);
  /* opened once: a record is one write(2), so a SIGKILL never leaves half of one */
  int failedFd = open(failed, O_CREAT | O_WRONLY | O_APPEND, 0644);
  int reported[UNIX_WAYS][2] = {{0}};
  for (long round = 0;; round++) {
    for (int w = 0; w < UNIX_WAYS; w++) {
      int sv[2] = {-1, -1};
      long s = unixSocketBy(w, SOCK_STREAM);
      int errs[2] = {errno, 0};
      long p = unixPairBy(w, SOCK_STREAM, sv);
      errs[1] = errno;
      /* one at a time: a jail socket holds the name in the jail's namespace until closed */
      const char *breach = NULL;
      if (s >= 0) {
        if (inHostNamespace(s, hostName)) breach = "socket";
        close((int)s);
      }
      if (p == 0) {
        if (!breach && inHostNamespace(sv[0], hostName)) breach = "socketpair";
        close(sv[0]);
        close(sv[1]);
      }
      if (breach) {
        int f = open(marker, O_CREAT | O_WRONLY | O_APPEND, 0644);
        dprintf(f, "%s-%s host\n", breach, unixWay[w]);
        close(f);
        exit(9);
      }
      long r[2] = {s, p};
      for (int k = 0; k < 2; k++)
        if (r[k] < 0 && !reported[w][k]) {
          reported[w][k] = 1;
          char line[128];
          int n = snprintf(line, sizeof line, "%s-%s %s\n", k ? "socketpair" : "socket", unixWay[w],
                           strerrorname_np(errs[k]));
          if (write(failedFd, line, (size_t)n) != n) exit(3);
        }
    }
    if (round == 0) {
      printf("looping\n");
      fflush(stdout);
    }
  }
}

/* The host's side, run outside any jail with names of exact length (Node pads abstract names to the
 * whole sun_path): probe unix-connect <name> → "connect ok|ERRNO"; probe unix-bind <name> → "bind
 * ok|ERRNO"; probe unix-serve <name> <answer> → "serving ok", then answers every client until killed. */
static void unixHost(const char *what, const char *name, const char *answer) {
  struct sockaddr_un a;
  socklen_t len = abstractAddr(&a, name);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (!strcmp(what, "connect")) {
    printf("connect %s\n", connect(s, (struct sockaddr *)&a, len) == 0 ? "ok" : strerrorname_np(errno));
    return;
  }
  if (bind(s, (struct sockaddr *)&a, len) < 0) {
    printf("bind %s\n", strerrorname_np(errno));
    return;
  }
  if (!strcmp(what, "bind")) {
    printf("bind ok\n");
    return;
  }
  listen(s, 16);
  printf("serving ok\n");
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    if (write(c, answer, strlen(answer)) < 0) {}
    close(c);
  }
}

#ifdef __x86_64__
/* ---- x86_64 only: an x32 call (nr | __X32_SYSCALL_BIT) must kill the process ---- */

static void x32Probe(void) {
  printf("x32-before\n");
  fflush(stdout);
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(39L | 0x40000000L) : "rcx", "r11", "memory");
  printf("x32-returned %ld\n", r);
  fflush(stdout);
  /* x32 mount(2): never reached if the first call killed the process */
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(165L | 0x40000000L), "D"("none"), "S"("/tmp"), "d"("tmpfs")
                   : "rcx", "r11", "r10", "r8", "r9", "memory");
  printf("x32-mount %ld\n", r);
}
#endif

/* ---- limits: probe rlimit ---- */

static void rlimitProbe(void) {
  struct rlimit r;
  getrlimit(RLIMIT_NOFILE, &r);
  printf("nofile-start %lu %lu\n", (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
  rlim_t high = r.rlim_max, low = r.rlim_max > 1024 ? 512 : r.rlim_max / 2;
  report("lower", setrlimit(RLIMIT_NOFILE, &(struct rlimit){low, low}));
  report("raise", setrlimit(RLIMIT_NOFILE, &(struct rlimit){low, high}));
  report("raise-prlimit64", prlimit(0, RLIMIT_NOFILE, &(struct rlimit){low, high}, NULL));
  report("raise-soft-over-hard", setrlimit(RLIMIT_NOFILE, &(struct rlimit){low + 1, low}));
  report("lower-soft", setrlimit(RLIMIT_NOFILE, &(struct rlimit){low / 2, low}));
  report("raise-soft-to-hard", setrlimit(RLIMIT_NOFILE, &(struct rlimit){low, low}));
  getrlimit(RLIMIT_NOFILE, &r);
  printf("nofile-end %lu %lu\n", (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
  fflush(stdout);
}

/* ---- races ---- */

static volatile uint32_t flipAddr;
static volatile int flipping = 1;
static uint32_t flipA, flipB;

static void *flipper(void *p) {
  volatile uint32_t *where = p;
  while (flipping) {
    *where = flipA;
    *where = flipB;
  }
  return NULL;
}

/* probe race-bind <jail ip> <other ip> <n> */
static void raceBind(const char *jailIp, const char *otherIp, long n) {
  static struct sockaddr_in sa = {.sin_family = AF_INET};
  flipA = ipOf(jailIp);
  flipB = ipOf(otherIp);
  pthread_t t;
  pthread_create(&t, NULL, flipper, (void *)&sa.sin_addr.s_addr);
  long ok = 0, failed = 0, jail = 0, other = 0, any = 0, elsewhere = 0;
  for (long i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) failed++;
    else {
      ok++;
      struct sockaddr_in got;
      socklen_t len = sizeof got;
      getsockname(s, (struct sockaddr *)&got, &len);
      if (got.sin_addr.s_addr == flipA) jail++;
      else if (got.sin_addr.s_addr == flipB) other++;
      else if (got.sin_addr.s_addr == 0) any++;
      else elsewhere++;
    }
    close(s);
  }
  flipping = 0;
  pthread_join(t, NULL);
  printf("binds %ld\nbound %ld\nfailed %ld\nbound-jail %ld\nbound-other %ld\nbound-any %ld\nbound-elsewhere %ld\n", n, ok,
         failed, jail, other, any, elsewhere);
}

/* probe race-connect <jail ip> <port> <n>: flips between the jail IP and 127.0.0.1 */
static void raceConnect(const char *jailIp, int port, long n) {
  static struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_port = htons(port);
  flipA = ipOf(jailIp);
  flipB = ipOf("127.0.0.1");
  pthread_t t;
  pthread_create(&t, NULL, flipper, (void *)&sa.sin_addr.s_addr);
  long ok = 0, failed = 0, peerJail = 0, peerOther = 0;
  for (long i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) failed++;
    else {
      ok++;
      struct sockaddr_in got;
      socklen_t len = sizeof got;
      getpeername(s, (struct sockaddr *)&got, &len);
      if (got.sin_addr.s_addr == flipA) peerJail++;
      else peerOther++;
    }
    close(s);
  }
  flipping = 0;
  pthread_join(t, NULL);
  printf("connects %ld\nconnected %ld\nfailed %ld\npeer-jail %ld\npeer-other %ld\n", n, ok, failed, peerJail, peerOther);
}

static volatile struct rlimit flipLimit;
static rlim_t limitLow, limitHigh;

static void *limitFlipper(void *unused) {
  (void)unused;
  while (flipping) {
    flipLimit.rlim_max = limitHigh;
    flipLimit.rlim_cur = limitHigh;
    flipLimit.rlim_max = limitLow;
    flipLimit.rlim_cur = limitLow;
  }
  return NULL;
}

/* probe race-rlimit <n>: after lowering NOFILE to 1024, flip the new limit between 512 and 1024 */
static void raceRlimit(long n) {
  limitHigh = 1024;
  limitLow = 512;
  report("lower", setrlimit(RLIMIT_NOFILE, &(struct rlimit){limitHigh, limitHigh}));
  flipLimit.rlim_cur = limitLow;
  flipLimit.rlim_max = limitLow;
  pthread_t t;
  pthread_create(&t, NULL, limitFlipper, NULL);
  long ok = 0, failed = 0, wentUp = 0;
  rlim_t maxSeen = 0, lowest = limitHigh;
  for (long i = 0; i < n; i++) {
    if (setrlimit(RLIMIT_NOFILE, (struct rlimit *)&flipLimit) < 0) failed++;
    else ok++;
    struct rlimit now;
    getrlimit(RLIMIT_NOFILE, &now);
    if (now.rlim_max > lowest) wentUp++;
    if (now.rlim_max < lowest) lowest = now.rlim_max;
    if (now.rlim_max > maxSeen) maxSeen = now.rlim_max;
  }
  flipping = 0;
  pthread_join(t, NULL);
  struct rlimit end;
  getrlimit(RLIMIT_NOFILE, &end);
  printf("calls %ld\nsucceeded %ld\nfailed %ld\nwent-up %ld\nhard-end %lu\n", n, ok, failed, wentUp,
         (unsigned long)end.rlim_max);
}

#ifdef __i386__
static volatile long flipArgs[3] = {AF_INET, SOCK_DGRAM, 0};

static void *familyFlipper(void *unused) {
  (void)unused;
  while (flipping) {
    flipArgs[0] = AF_INET;
    flipArgs[0] = AF_PACKET;
  }
  return NULL;
}

/* probe race-socketcall <n> (i386) */
static void raceSocketcall(long n) {
  pthread_t t;
  pthread_create(&t, NULL, familyFlipper, NULL);
  long inet = 0, packet = 0, other = 0, failed = 0;
  for (long i = 0; i < n; i++) {
    long fd = int80(102, 1, (long)flipArgs, 0, 0);
    if (fd < 0) {
      failed++;
      continue;
    }
    int domain = -1;
    socklen_t len = sizeof domain;
    getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
    if (domain == AF_INET) inet++;
    else if (domain == AF_PACKET) packet++;
    else other++;
    close((int)fd);
  }
  flipping = 0;
  pthread_join(t, NULL);
  printf("calls %ld\nfailed %ld\ncreated-inet %ld\ncreated-packet %ld\ncreated-other %ld\n", n, failed, inet, packet,
         other);
}
#endif

/* ---- reboot: probe reboot <host pid namespace inode> ---- */

static void rebootProbe(const char *hostNs) {
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  struct stat st;
  if (stat("/proc/self/ns/pid", &st) < 0 || (unsigned long long)st.st_ino == strtoull(hostNs, NULL, 10)) {
    printf("refused not-proven-outside-host-pid-namespace\n");
    fflush(stdout);
    kill(child, SIGKILL);
    exit(3);
  }
  printf("pidns %llu\nchild %d\nready\n", (unsigned long long)st.st_ino, child);
  fflush(stdout);
  char go[8];
  if (read(0, go, sizeof go) <= 0) exit(4);
  long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, NULL);
  report("reboot-returned", rc);
  sleep(5);
  printf("still-alive\n");
}

/* ---- functional: probe func <jail ip> ---- */

static void *threadBody(void *p) {
  *(int *)p = 42;
  return p;
}

static volatile sig_atomic_t gotSignal;
static void onUsr1(int sig) { gotSignal = sig; }

static void funcProbe(const char *jailIp) {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("fork-exec-wait %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
  int p[2];
  pipe(p);
  write(p[1], "pipe", 4);
  char b[16] = {0};
  read(p[0], b, sizeof b - 1);
  printf("pipe %s\n", b);
  close(p[0]);
  close(p[1]);
  pthread_t t;
  int v = 0;
  void *ret;
  pthread_create(&t, NULL, threadBody, &v);
  pthread_join(t, &ret);
  printf("thread %d\n", v);
  signal(SIGUSR1, onUsr1);
  kill(getpid(), SIGUSR1);
  printf("signal %s\n", gotSignal == SIGUSR1 ? "ok" : "missing");
  int f = open("/tmp/probe-file", O_CREAT | O_TRUNC | O_RDWR, 0644);
  write(f, "file-data", 9);
  lseek(f, 0, SEEK_SET);
  memset(b, 0, sizeof b);
  read(f, b, sizeof b - 1);
  close(f);
  printf("file %s\n", b);
  /* a unix socket bound in the jail's file system */
  unlink("/tmp/probe.sock");
  int us = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  strcpy(un.sun_path, "/tmp/probe.sock");
  int unixOk = bind(us, (struct sockaddr *)&un, sizeof un) == 0 && listen(us, 1) == 0;
  int uc = socket(AF_UNIX, SOCK_STREAM, 0);
  unixOk = unixOk && connect(uc, (struct sockaddr *)&un, sizeof un) == 0;
  int ua = accept(us, NULL, NULL);
  unixOk = unixOk && ua >= 0 && write(uc, "u", 1) == 1 && read(ua, b, 1) == 1 && b[0] == 'u';
  printf("unix-socket %s\n", unixOk ? "ok" : strerrorname_np(errno));
  close(ua);
  close(uc);
  close(us);
  unlink("/tmp/probe.sock");
  /* listen on the jail IP and connect to it */
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = ipOf(jailIp)};
  int tcpOk = bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(ls, 1) == 0;
  socklen_t len = sizeof sa;
  getsockname(ls, (struct sockaddr *)&sa, &len);
  int cs = socket(AF_INET, SOCK_STREAM, 0);
  tcpOk = tcpOk && connect(cs, (struct sockaddr *)&sa, sizeof sa) == 0;
  int as = accept(ls, NULL, NULL);
  tcpOk = tcpOk && as >= 0 && write(cs, "t", 1) == 1 && read(as, b, 1) == 1 && b[0] == 't';
  printf("tcp-jail-ip %s\n", tcpOk ? "ok" : strerrorname_np(errno));
  printf("tcp-listen-address %s\n", addrOf(ls, 0));
  close(as);
  close(cs);
  close(ls);
  struct timespec ts;
  report("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts));
  void *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  report("mmap", m == MAP_FAILED ? -1 : 0);
  printf("getpid %d\n", getpid());
  fflush(stdout);
}

/* ---- a jail's binfmt_misc instance: what jailed root tries to register an interpreter of its own ---- */

static void binfmtProbe(void) {
  reportFd("fsopen-binfmt_misc", syscall(SYS_fsopen, "binfmt_misc", 0));
  report("mount-binfmt_misc", mount("binfmt_misc", "/tmp", "binfmt_misc", 0, NULL));
  reportFd("open-proc-register", open("/proc/sys/fs/binfmt_misc/register", O_WRONLY));
  report("unshare-CLONE_NEWUSER", unshare(CLONE_NEWUSER));
  report("unshare-CLONE_NEWNS", unshare(CLONE_NEWNS));
  int mnt = open("/proc/1/ns/mnt", O_RDONLY);
  report("setns-mnt", setns(mnt, CLONE_NEWNS));
  report("setns-mnt-any", setns(mnt, 0));
  close(mnt);
  int user = open("/proc/self/ns/user", O_RDONLY);
  report("setns-own-user", setns(user, CLONE_NEWUSER));
  close(user);
  char link[64] = {0};
  readlink("/proc/self/ns/user", link, sizeof link - 1);
  printf("user-ns %s\n", link);
  fflush(stdout);
}

/* bind(2) of ADDR:PORT over TCP, as this process's user: "bind-port ok" or the errno. */
static void bindPort(const char *addr, int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = ipOf(addr)};
  report("bind-port", s < 0 ? -1 : bind(s, (struct sockaddr *)&sa, sizeof sa));
  if (s >= 0) close(s);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *g = argc > 1 ? argv[1] : "";
  if (!strcmp(g, "fs") && argc > 2) fsProbe(argv[2]);
  else if (!strcmp(g, "proc") && argc > 2) procProbe(atoi(argv[2]));
  else if (!strcmp(g, "host")) hostProbe();
  else if (!strcmp(g, "net") && argc > 5) netProbe(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
  else if (!strcmp(g, "udp-ingress") && argc > 3) udpIngress(argv[2], atoi(argv[3]));
  else if (!strcmp(g, "danger")) dangerProbe();
  else if (!strcmp(g, "binfmt")) binfmtProbe();
  else if (!strcmp(g, "bind-port") && argc > 3) bindPort(argv[2], atoi(argv[3]));
#ifdef __i386__
  else if (!strcmp(g, "int80")) int80Probe();
  else if (!strcmp(g, "race-socketcall") && argc > 2) raceSocketcall(atol(argv[2]));
#endif
#ifdef __x86_64__
  else if (!strcmp(g, "x32")) x32Probe();
#endif
  else if (!strcmp(g, "rlimit")) rlimitProbe();
  else if (!strcmp(g, "race-bind") && argc > 4) raceBind(argv[2], argv[3], atol(argv[4]));
  else if (!strcmp(g, "race-connect") && argc > 4) raceConnect(argv[2], atoi(argv[3]), atol(argv[4]));
  else if (!strcmp(g, "race-rlimit") && argc > 2) raceRlimit(atol(argv[2]));
  else if (!strcmp(g, "reboot") && argc > 2) rebootProbe(argv[2]);
  else if (!strcmp(g, "func") && argc > 2) funcProbe(argv[2]);
  else if (!strcmp(g, "unix-squat") && argc > 3) unixSquat(argv[2], atoi(argv[3]));
  else if (!strcmp(g, "unix-own") && argc > 4) unixOwn(argv[2], argv[3], argv[4]);
  else if (!strcmp(g, "unix-loop") && argc > 3) unixLoop(argv[2], argv[3]);
  else if (!strcmp(g, "unix-connect") && argc > 2) unixHost("connect", argv[2], "");
  else if (!strcmp(g, "unix-bind") && argc > 2) unixHost("bind", argv[2], "");
  else if (!strcmp(g, "unix-serve") && argc > 3) unixHost("serve", argv[2], argv[3]);
  else if (!strcmp(g, "exit") && argc > 2) return atoi(argv[2]);
  else if (!strcmp(g, "selfkill") && argc > 2) {
    signal(atoi(argv[2]), SIG_DFL);
    kill(getpid(), atoi(argv[2]));
    pause();
  } else {
    fprintf(stderr, "probe: unknown group or missing arguments: %s\n", g);
    return 2;
  }
  return 0;
}
