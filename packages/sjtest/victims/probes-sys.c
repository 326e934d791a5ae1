/* "Closed" promises. Each probe is built so that a call that REACHED the kernel is told apart from one
 * the jail DENIED, without doing harm: invalid arguments that the kernel checks after the permission
 * (init_module of an empty image, finit_module(-1), kexec_load with an invalid flag, swapon and acct of
 * a missing path, bpf of map type 0, perf_event_open of a short attr), the current time for
 * clock_settime, a tmpfs on a temp dir that is unmounted at once, device nodes that are unlinked at once,
 * and every SysV object removed. reboot(POWER_OFF) is called only after the victim proved it is not in
 * the runner's PID namespace. */
#include "victim.h"
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/reboot.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void shm(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long id = sj_sys(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 0, 0);
  if (id >= 0) shmctl((int)id, IPC_RMID, NULL);
  sj_result(id, "shmget(IPC_PRIVATE)");
}
static void sem(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long id = sj_sys(SYS_semget, IPC_PRIVATE, 1, IPC_CREAT | 0600, 0, 0);
  if (id >= 0) semctl((int)id, 0, IPC_RMID);
  sj_result(id, "semget(IPC_PRIVATE)");
}
static void msg(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long id = sj_sys(SYS_msgget, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0, 0);
  if (id >= 0) msgctl((int)id, IPC_RMID, NULL);
  sj_result(id, "msgget(IPC_PRIVATE)");
}

static void chattr_immutable(const struct sj_ctx *c, const char *a) {
  char path[512];
  int flags = 0;
  (void)a;
  snprintf(path, sizeof path, "%s/sjtest-chattr-XXXXXX", c->scratch);
  int fd = mkstemp(path);
  if (fd < 0) { sj_err(errno, "mkstemp"); return; }
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
    sj_skip("this filesystem has no inode flags");
  } else {
    int set = flags | FS_IMMUTABLE_FL;
    long r = sj_sys(SYS_ioctl, fd, FS_IOC_SETFLAGS, (long)&set, 0, 0);
    int saved = errno;
    if (r >= 0) ioctl(fd, FS_IOC_SETFLAGS, &flags);
    errno = saved;
    sj_result(r, "FS_IOC_SETFLAGS(FS_IMMUTABLE_FL)");
  }
  close(fd);
  unlink(path);
}

/* FS_IOC_FSSETXATTR(FS_XFLAG_IMMUTABLE): the other way to the immutable flag (xfs-style attributes). */
static void fsxattr_immutable(const struct sj_ctx *c, const char *a) {
  char path[512];
  struct fsxattr fa;
  (void)a;
  snprintf(path, sizeof path, "%s/sjtest-fsxattr-XXXXXX", c->scratch);
  int fd = mkstemp(path);
  if (fd < 0) { sj_err(errno, "mkstemp"); return; }
  if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0) {
    sj_skip("this filesystem has no FS_IOC_FSGETXATTR");
  } else {
    struct fsxattr set = fa;
    set.fsx_xflags |= FS_XFLAG_IMMUTABLE;
    long r = sj_sys(SYS_ioctl, fd, FS_IOC_FSSETXATTR, (long)&set, 0, 0);
    int saved = errno;
    if (r >= 0) ioctl(fd, FS_IOC_FSSETXATTR, &fa);
    errno = saved;
    sj_result(r, "FS_IOC_FSSETXATTR(FS_XFLAG_IMMUTABLE)");
  }
  close(fd);
  unlink(path);
}

static void rlimit_lower(const struct sj_ctx *c, const char *a) {
  struct rlimit rl;
  (void)c; (void)a;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_max = rl.rlim_max - 1;
  if (rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
  sj_result(sj_sys(SYS_setrlimit, RLIMIT_NOFILE, (long)&rl, 0, 0, 0), "lower the NOFILE hard limit");
}

static void rlimit_raise(const struct sj_ctx *c, const char *a) {
  struct rlimit rl, low;
  (void)c;
  getrlimit(RLIMIT_NOFILE, &rl);
  low = rl;
  low.rlim_max = rl.rlim_max - 1;
  if (low.rlim_cur > low.rlim_max) low.rlim_cur = low.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &low) < 0) { sj_skip("could not lower the limit first"); return; }
  if (strcmp(a, "prlimit") == 0) {
    unsigned long long nl[2] = {low.rlim_cur, rl.rlim_max};
    sj_result(sj_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)nl, 0, 0), "prlimit64 raises the hard limit");
  } else {
    sj_result(sj_sys(SYS_setrlimit, RLIMIT_NOFILE, (long)&rl, 0, 0, 0), "setrlimit raises the hard limit");
  }
}

/* A thread flips the new limit between "the current hard limit" (allowed) and "the original, higher
 * hard limit" (a raise) while setrlimit/prlimit64 runs: a jail that checks user memory and then lets the
 * kernel read it again lets a raise through. The value is "never" or "raised". The hard limit is first
 * lowered by one, so that there is something to raise without CAP_SYS_RESOURCE. */
struct rlimit_race { volatile unsigned long native[2]; volatile unsigned long long wide[2];
                     unsigned long long good, bad; volatile int stop; };

static void *rlimit_flipper(void *p) {
  struct rlimit_race *r = p;
  while (!r->stop) {
    r->native[1] = (unsigned long)r->bad; r->wide[1] = r->bad;
    __asm__ volatile("" ::: "memory");
    r->native[1] = (unsigned long)r->good; r->wide[1] = r->good;
  }
  return NULL;
}

static void rlimit_race(const struct sj_ctx *c, const char *a) {
  static struct rlimit_race r;
  struct rlimit rl, low;
  pthread_t t;
  int prlimit = strcmp(a, "prlimit") == 0, n = 5000, ok = 0, raised = 0;
  (void)c;
  getrlimit(RLIMIT_NOFILE, &rl);
  low = rl;
  low.rlim_max = rl.rlim_max - 1;
  if (low.rlim_cur > low.rlim_max) low.rlim_cur = low.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &low) < 0) { sj_skip("could not lower the limit first"); return; }
  r.good = low.rlim_max;
  r.bad = rl.rlim_max;
  r.native[0] = (unsigned long)low.rlim_cur; r.wide[0] = low.rlim_cur;
  r.native[1] = (unsigned long)r.good; r.wide[1] = r.good;
  if (pthread_create(&t, NULL, rlimit_flipper, &r) != 0) { sj_err(errno, "pthread_create"); return; }
  for (int i = 0; i < n && !raised; i++) {
    long res = prlimit ? sj_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)r.wide, 0, 0)
                       : sj_sys(SYS_setrlimit, RLIMIT_NOFILE, (long)r.native, 0, 0, 0);
    struct rlimit now;
    if (res == 0) ok++;
    if (getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_max > low.rlim_max) raised = 1;
  }
  r.stop = 1;
  pthread_join(t, NULL);
  char detail[96];
  snprintf(detail, sizeof detail, "%s x%d, %d succeeded", prlimit ? "prlimit64" : "setrlimit", n, ok);
  sj_value(raised ? "raised" : "never", detail);
}

static void reboot_magic(const struct sj_ctx *c, const char *a) {
  (void)a;
  long r = sj_sys(SYS_reboot, 0x12345678, 0, LINUX_REBOOT_CMD_POWER_OFF, 0, 0);
  if (r < 0 && errno == EINVAL) {
    int same = sj_same_ns("pid", c->pidns);
    sj_value(same == 0 ? "reached-jail" : "reached-host", "reboot(bad magic) reached the kernel");
    return;
  }
  sj_result(r, "reboot(bad magic)");
}

static void reboot_real(const struct sj_ctx *c, const char *a) {
  (void)a;
  int same = sj_same_ns("pid", c->pidns);
  if (same != 0) {
    sj_unproven(same == 1 ? "in the runner's PID namespace: reboot not called"
                          : "cannot prove a PID namespace of its own: reboot not called");
    return;
  }
  /* proved: this PID namespace is not the runner's, so reboot(2) can at most end this namespace */
  long r = sj_sys(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0, 0);
  sj_result(r, "reboot(POWER_OFF) returned");
}

static const char *cap_names[64] = {
    [2] = "DAC_READ_SEARCH", [9] = "LINUX_IMMUTABLE", [12] = "NET_ADMIN", [13] = "NET_RAW",
    [16] = "SYS_MODULE", [17] = "SYS_RAWIO", [18] = "SYS_CHROOT", [19] = "SYS_PTRACE",
    [21] = "SYS_ADMIN", [22] = "SYS_BOOT", [24] = "SYS_RESOURCE", [25] = "SYS_TIME",
    [27] = "MKNOD", [30] = "AUDIT_CONTROL", [32] = "MAC_OVERRIDE", [33] = "MAC_ADMIN",
    [38] = "PERFMON", [39] = "BPF"};

static void report_caps(unsigned long long mask, const char *what) {
  char buf[512] = "";
  for (int i = 0; i < 64; i++)
    if (cap_names[i] && (mask >> i & 1)) {
      strncat(buf, buf[0] ? "," : "", sizeof buf - strlen(buf) - 1);
      strncat(buf, cap_names[i], sizeof buf - strlen(buf) - 1);
    }
  sj_value(buf[0] ? buf : "none", what);
}

static void caps_effective(const struct sj_ctx *c, const char *a) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  (void)c; (void)a;
  if (sj_sys(SYS_capget, (long)&h, (long)d, 0, 0, 0) < 0) { sj_err(errno, "capget"); return; }
  report_caps((unsigned long long)d[1].effective << 32 | d[0].effective, "CapEff");
}

static void caps_bounding(const struct sj_ctx *c, const char *a) {
  unsigned long long mask = 0;
  (void)c; (void)a;
  for (int i = 0; i < 64; i++)
    if (sj_sys(SYS_prctl, PR_CAPBSET_READ, i, 0, 0, 0) == 1) mask |= 1ULL << i;
  report_caps(mask, "CapBnd");
}

static void do_mount(const struct sj_ctx *c, const char *a) {
  char dir[512];
  (void)a;
  snprintf(dir, sizeof dir, "%s/sjtest-mnt-XXXXXX", c->scratch);
  if (!mkdtemp(dir)) { sj_err(errno, "mkdtemp"); return; }
  long r = sj_sys(SYS_mount, (long)"sjtest", (long)dir, (long)"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  (long)"size=16k");
  int saved = errno;
  if (r >= 0) umount2(dir, MNT_DETACH);
  rmdir(dir);
  errno = saved;
  sj_result(r, "mount tmpfs on a temp dir");
}

static void do_fsopen(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long fd = sj_sys(SYS_fsopen, (long)"tmpfs", 0, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "fsopen(tmpfs)");
}

static void init_mod(const struct sj_ctx *c, const char *a) {
  static char image[16];
  (void)c; (void)a;
  sj_result(sj_sys(SYS_init_module, (long)image, 0, (long)"", 0, 0), "init_module(empty image)");
}
static void finit_mod(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_finit_module, -1, (long)"", 0, 0, 0), "finit_module(-1)");
}
static void kexec(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_kexec_load, 0, 0, 0, 0x7ead0000L, 0), "kexec_load(no segments, invalid flags)");
}
static void do_iopl(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = sj_sys(SYS_iopl, 3, 0, 0, 0, 0);
  int saved = errno;
  if (r >= 0) sj_sys(SYS_iopl, 0, 0, 0, 0, 0);
  errno = saved;
  sj_result(r, "iopl(3)");
}
static void do_ioperm(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = sj_sys(SYS_ioperm, 0x80, 1, 1, 0, 0);
  int saved = errno;
  if (r >= 0) sj_sys(SYS_ioperm, 0x80, 1, 0, 0, 0);
  errno = saved;
  sj_result(r, "ioperm(0x80)");
}
static void clock_set(const struct sj_ctx *c, const char *a) {
  struct timespec now;
  (void)c; (void)a;
  clock_gettime(CLOCK_REALTIME, &now);
  sj_result(sj_sys(SYS_clock_settime, CLOCK_REALTIME, (long)&now, 0, 0, 0), "clock_settime(now)");
}
static void time_set(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_settimeofday, 0, 0, 0, 0, 0), "settimeofday(NULL, NULL)");
}
static void do_swapon(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_swapon, (long)"/sjtest-no-such-swap-file", 0, 0, 0, 0), "swapon(missing file)");
}
static void do_acct(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_acct, (long)"/sjtest-no-such-acct-file", 0, 0, 0, 0), "acct(missing file)");
}
static void do_bpf(const struct sj_ctx *c, const char *a) {
  static unsigned char attr[128]; /* BPF_MAP_CREATE with map_type 0: EINVAL once reached */
  (void)c; (void)a;
  long fd = sj_sys(SYS_bpf, 0 /* BPF_MAP_CREATE */, (long)attr, sizeof attr, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "bpf(BPF_MAP_CREATE, type 0)");
}
static void do_perf(const struct sj_ctx *c, const char *a) {
  static unsigned int attr[32]; /* size 1: E2BIG once reached */
  (void)c; (void)a;
  attr[1] = 1;
  long fd = sj_sys(SYS_perf_event_open, (long)attr, 0, -1, -1, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "perf_event_open(short attr)");
}
static void do_uffd(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long fd = sj_sys(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */ | 0x10, 0, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "userfaultfd(invalid flag)");
}
static void do_io_uring(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long fd = sj_sys(SYS_io_uring_setup, 1, 0, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "io_uring_setup(1, NULL)");
}
static void do_keyctl(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  sj_result(sj_sys(SYS_keyctl, 9999, 0, 0, 0, 0), "keyctl(invalid operation)");
}
static void do_add_key(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = sj_sys(SYS_add_key, (long)"user", (long)"sjtest", (long)"x", 1, 0);
  sj_result(r, "add_key(user, keyring 0)");
}

static void do_mknod(const struct sj_ctx *c, const char *a) {
  char path[512];
  /* ARG: char | block, or char-at | block-at for mknodat(AT_FDCWD, ...) */
  int blk = strncmp(a, "block", 5) == 0, at = strstr(a, "-at") != NULL;
  long mode = (blk ? S_IFBLK : S_IFCHR) | 0600, dev = (long)(blk ? makedev(7, 0) : makedev(1, 3));
  snprintf(path, sizeof path, "%s/sjtest-node-%d", c->scratch, (int)getpid());
  long r = at ? sj_sys(SYS_mknodat, AT_FDCWD, (long)path, mode, dev, 0) : sj_sys(SYS_mknod, (long)path, mode, dev, 0, 0);
  int saved = errno;
  if (r >= 0) unlink(path);
  errno = saved;
  sj_result(r, blk ? (at ? "mknodat(block 7:0)" : "mknod(block 7:0)") : (at ? "mknodat(char 1:3)" : "mknod(char 1:3)"));
}

static const struct { const char *name; long flag; } ns_flags[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},
    {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC}, {"cgroup", CLONE_NEWCGROUP}, {"time", 0x80}};

static void do_unshare(const struct sj_ctx *c, const char *a) {
  (void)c;
  for (size_t i = 0; i < sizeof ns_flags / sizeof ns_flags[0]; i++)
    if (strcmp(ns_flags[i].name, a) == 0) {
      sj_result(sj_sys(SYS_unshare, ns_flags[i].flag, 0, 0, 0, 0), a);
      return;
    }
  sj_skip("unknown namespace");
}

static void do_clone3(const struct sj_ctx *c, const char *a) {
  static unsigned long long args[11]; /* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal... */
  (void)c; (void)a;
  args[0] = CLONE_NEWUSER;
  args[4] = SIGCHLD;
  long pid = sj_sys(SYS_clone3, (long)args, 88, 0, 0, 0);
  if (pid == 0) sj_sys(SYS_exit_group, 0, 0, 0, 0, 0);
  if (pid > 0) waitpid((int)pid, NULL, 0);
  sj_result(pid, "clone3(CLONE_NEWUSER)");
}

static void do_setns(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
  sj_result(sj_sys(SYS_setns, fd, CLONE_NEWUTS, 0, 0, 0), fd < 0 ? "setns(-1): no /proc" : "setns(own uts)");
}

/* TIOCSTI on the victim's own controlling terminal (a fresh pty): harmless, and it is the attack. */
static void tiocsti(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
    sj_result(sj_sys(SYS_ioctl, 0, TIOCSTI, (long)"x", 0, 0), "no pty: TIOCSTI on fd 0");
    return;
  }
  setsid();
  int s = open(ptsname(m), O_RDWR);
  if (s < 0) { sj_result(sj_sys(SYS_ioctl, m, TIOCSTI, (long)"x", 0, 0), "TIOCSTI on the pty master"); return; }
  ioctl(s, TIOCSCTTY, 0);
  sj_result(sj_sys(SYS_ioctl, s, TIOCSTI, (long)"x", 0, 0), "TIOCSTI on its controlling pty");
}

const struct sj_probe sj_probes_sys[] = {
    {"shmget", shm},          {"semget", sem},
    {"msgget", msg},          {"chattr-immutable", chattr_immutable},
    {"rlimit-lower", rlimit_lower}, {"rlimit-raise", rlimit_raise},
    {"rlimit-race", rlimit_race}, {"fsxattr-immutable", fsxattr_immutable},
    {"reboot-magic", reboot_magic}, {"reboot", reboot_real},
    {"caps-effective", caps_effective}, {"caps-bounding", caps_bounding},
    {"mount", do_mount},      {"fsopen", do_fsopen},
    {"init-module", init_mod}, {"finit-module", finit_mod},
    {"kexec-load", kexec},    {"iopl", do_iopl},
    {"ioperm", do_ioperm},    {"clock-settime", clock_set},
    {"settimeofday", time_set}, {"swapon", do_swapon},
    {"acct", do_acct},        {"bpf", do_bpf},
    {"perf-event-open", do_perf}, {"userfaultfd", do_uffd},
    {"io-uring-setup", do_io_uring}, {"keyctl", do_keyctl},
    {"add-key", do_add_key},  {"mknod", do_mknod},
    {"unshare", do_unshare},  {"clone3", do_clone3},
    {"setns", do_setns},      {"tiocsti", tiocsti},
    SJ_PROBE_END};
