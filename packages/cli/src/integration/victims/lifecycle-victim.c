/*
 * The lifecycle tests' victim, static, run inside jails. One line of output per probe:
 *   bind ADDR            TCP bind ADDR:0 → "ok <the address bound>" or the errno name
 *   anyaddr              UDP bind 0.0.0.0:0, then getsockname → the address the jail got
 *   probes FILE          the --allow-* probes, one "name result" line each, written to FILE, then "done"
 *   reboot HOSTPIDNS     reboot(POWER_OFF), only if /proc/self/ns/pid is not the host's (its st_ino)
 *   wait FILE            sleep until FILE exists (then exit 0)
 *   id                   "uid gid euid egid"
 *   notify N             N listen(2) calls on a listening socket (each answered by the supervisor), then
 *                        "ok N", or "fail ERRNO" at the first that fails
 *   hammer THREADS       THREADS threads doing such calls as fast as they can, forever
 *   hammer-exit THREADS MS   the same, and the process exits after MS ms, calls in flight
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case EACCES: return "EACCES";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
  case ENOSYS: return "ENOSYS";
  case EINVAL: return "EINVAL";
  case ENOTTY: return "ENOTTY";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ENOENT: return "ENOENT";
  default: {
    static char buf[32];
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
  }
  }
}

static const char *result(int r) { return r < 0 ? errname(errno) : "ok"; }

static int do_bind(const char *addr) {
  struct sockaddr_in sa = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) return 2;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) {
    printf("socket %s\n", errname(errno));
    return 1;
  }
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    printf("%s\n", errname(errno));
    return 1;
  }
  socklen_t len = sizeof sa;
  char text[INET_ADDRSTRLEN];
  if (getsockname(s, (struct sockaddr *)&sa, &len) < 0) return 1;
  printf("ok %s\n", inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text));
  return 0;
}

static int do_anyaddr(void) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    printf("%s\n", errname(errno));
    return 1;
  }
  socklen_t len = sizeof sa;
  if (getsockname(s, (struct sockaddr *)&sa, &len) < 0) return 1;
  char text[INET_ADDRSTRLEN];
  printf("%s\n", inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text));
  return 0;
}

/* SysV shared memory: created, and visible in this IPC namespace's /proc/sysvipc/shm. */
static const char *probe_ipc(void) {
  int id = shmget(0x5157a11, 4096, IPC_CREAT | 0600);
  if (id < 0) return errname(errno);
  FILE *f = fopen("/proc/sysvipc/shm", "r");
  char line[512];
  int seen = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, " 85293585 ")) seen = 1; /* the key, 0x5157a11, in decimal */
  if (f) fclose(f);
  return seen ? "ok" : "ok-unlisted";
}

static const char *probe_domain(void) {
  int s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_GENERIC);
  const char *r = result(s);
  if (s >= 0) close(s);
  return r;
}

static const char *probe_raw(void) {
  int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const char *r = result(s);
  if (s >= 0) close(s);
  return r;
}

/* Sets and clears the immutable flag of FILE (needs the ioctl and CAP_LINUX_IMMUTABLE). */
static const char *probe_chflags(const char *file) {
  int fd = open(file, O_RDONLY | O_CREAT, 0644);
  if (fd < 0) return "open-failed";
  int flags = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) return errname(errno);
  int set = flags | FS_IMMUTABLE_FL;
  if (ioctl(fd, FS_IOC_SETFLAGS, &set) < 0) {
    const char *r = errname(errno);
    close(fd);
    return r;
  }
  ioctl(fd, FS_IOC_SETFLAGS, &flags);
  close(fd);
  return "ok";
}

/* Lowers the soft limit (always allowed), then tries to raise the hard limit above its value. */
static const char *probe_rlimit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return "getrlimit-failed";
  struct rlimit lower = {rl.rlim_cur - 1, rl.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &lower) < 0) return "lower-failed";
  struct rlimit higher = {rl.rlim_cur, rl.rlim_max + 1};
  return result(setrlimit(RLIMIT_NOFILE, &higher));
}

static int do_probes(const char *file) {
  FILE *out = fopen(file, "w");
  if (!out) return 1;
  fprintf(out, "ipc %s\n", probe_ipc());
  fprintf(out, "domain %s\n", probe_domain());
  fprintf(out, "raw %s\n", probe_raw());
  fprintf(out, "chflags %s\n", probe_chflags("/tmp/chflags-probe"));
  fprintf(out, "rlimit %s\n", probe_rlimit());
  fprintf(out, "done\n");
  fclose(out);
  return 0;
}

/* Never returns by itself: only the jail's shutdown ends it (a refusal or a returning reboot pauses, so
 * that a jail ending proves the shutdown). */
static int do_reboot(const char *host_ino) {
  struct stat st;
  if (stat("/proc/self/ns/pid", &st) < 0 || (unsigned long long)st.st_ino == strtoull(host_ino, NULL, 10)) {
    fprintf(stderr, "refusing: cannot prove this is not the host's PID namespace\n");
    for (;;) pause();
  }
  syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0);
  printf("reboot returned %s\n", errname(errno));
  for (;;) pause();
}

/* A TCP socket listening on the jail's address (the supervisor binds the never-bound socket). */
static int listening(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || listen(s, 8) < 0) return -1;
  return s;
}

static int do_notify(long n) {
  int s = listening();
  if (s < 0) {
    printf("fail %s\n", errname(errno));
    return 1;
  }
  for (long i = 0; i < n; i++)
    if (listen(s, 8) < 0) {
      printf("fail %s\n", errname(errno));
      return 1;
    }
  printf("ok %ld\n", n);
  return 0;
}

static void *hammer_thread(void *arg) {
  (void)arg;
  int s = listening();
  for (;;) listen(s, 8);
  return NULL;
}

static int do_hammer(int threads, long exit_ms) {
  for (int i = 0; i < threads; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, hammer_thread, NULL) != 0) return 2;
  }
  if (exit_ms > 0) {
    usleep(exit_ms * 1000);
    _exit(0);
  }
  for (;;) pause();
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc >= 3 && !strcmp(argv[1], "bind")) return do_bind(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "anyaddr")) return do_anyaddr();
  if (argc >= 3 && !strcmp(argv[1], "probes")) return do_probes(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "reboot")) return do_reboot(argv[2]);
  if (argc >= 3 && !strcmp(argv[1], "wait")) {
    while (access(argv[2], F_OK) != 0) usleep(10000);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "id")) {
    printf("%d %d %d %d\n", getuid(), getgid(), geteuid(), getegid());
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "notify")) return do_notify(atol(argv[2]));
  if (argc >= 3 && !strcmp(argv[1], "hammer")) return do_hammer(atoi(argv[2]), 0);
  if (argc >= 4 && !strcmp(argv[1], "hammer-exit")) return do_hammer(atoi(argv[2]), atol(argv[3]));
  fprintf(stderr, "usage: lifecycle-victim bind ADDR | anyaddr | probes FILE | reboot HOSTPIDNS | wait FILE | id"
                  " | notify N | hammer THREADS | hammer-exit THREADS MS\n");
  return 2;
}
