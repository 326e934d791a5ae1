/* Filesystem promises: root is the jail path; .., symlinks, chroot-in-chroot, inherited fds and
 * open_by_handle_at do not lead out; /proc shows only the jail; /proc/sys, sysrq-trigger, /sys are not
 * writable (probed by open(O_WRONLY) only: never a byte is written); /dev has no host device; no cgroup2
 * cgroup.procs is writable. */
#include "victim.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static void report_outside(int escaped, const char *how) {
  sj_value(escaped ? "outside" : "inside", how);
}

static void root_marker(const struct sj_ctx *c, const char *a) {
  (void)a;
  sj_value(sj_has_token(c->rootmark, c->token) ? "jail-root" : "not-jail-root", c->rootmark);
}

static void dotdot(const struct sj_ctx *c, const char *a) {
  (void)a;
  if (chdir("/") < 0) { sj_err(errno, "chdir /"); return; }
  for (int i = 0; i < 64; i++) if (chdir("..") < 0) break;
  report_outside(sj_has_token(c->marker, c->token), "chdir(..) x64 then open marker");
}

static void symlink_escape(const struct sj_ctx *c, const char *a) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", c->links, a);
  report_outside(sj_has_token(path, c->token), path);
}

static void chroot_escape(const struct sj_ctx *c, const char *a) {
  char dir[512];
  (void)a;
  snprintf(dir, sizeof dir, "%s/sjtest-chroot-XXXXXX", c->scratch);
  if (!mkdtemp(dir)) { sj_err(errno, "mkdtemp"); return; }
  if (chdir("/") < 0) { sj_err(errno, "chdir"); return; }
  long r = sj_sys(SYS_chroot, (long)dir, 0, 0, 0, 0);
  int saved = errno;
  rmdir(dir);
  if (r < 0) { sj_err(saved, "chroot(x) refused"); return; }
  for (int i = 0; i < 64; i++) if (chdir("..") < 0) break;
  if (sj_sys(SYS_chroot, (long)".", 0, 0, 0, 0) < 0) { sj_err(errno, "chroot(.) refused"); return; }
  report_outside(sj_has_token(c->marker, c->token), "mkdir x; chroot x; chdir ../..; chroot .");
}

static void fd_escape(const struct sj_ctx *c, const char *a) {
  struct stat st;
  (void)a;
  if (fstat(c->fd, &st) < 0) { sj_err(errno, "inherited fd closed"); return; }
  if (!S_ISDIR(st.st_mode)) { sj_value("inside", "inherited fd is not the outside directory"); return; }
  const char *name = strrchr(c->marker, '/');
  int fd = openat(c->fd, name ? name + 1 : c->marker, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { sj_err(errno, "openat(inherited fd, marker)"); return; }
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  report_outside(strstr(buf, c->token) != NULL, "openat(inherited fd, marker)");
}

static void handle_escape(const struct sj_ctx *c, const char *a) {
  struct { struct file_handle fh; unsigned char bytes[128]; } h;
  (void)a;
  const char *colon = strchr(c->handle, ':');
  if (!colon) { sj_skip("no handle given"); return; }
  h.fh.handle_type = atoi(c->handle);
  size_t len = strlen(colon + 1) / 2;
  if (len > sizeof h.bytes) len = sizeof h.bytes;
  for (size_t i = 0; i < len; i++) {
    unsigned v;
    sscanf(colon + 1 + 2 * i, "%2x", &v);
    h.fh.f_handle[i] = (unsigned char)v;
  }
  h.fh.handle_bytes = (unsigned)len;
  int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  long fd = sj_sys(SYS_open_by_handle_at, mfd, (long)&h.fh, O_RDONLY | O_CLOEXEC, 0, 0);
  if (fd < 0) { sj_err(errno, "open_by_handle_at(marker handle)"); return; }
  char buf[256];
  ssize_t n = read((int)fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  report_outside(strstr(buf, c->token) != NULL, "open_by_handle_at opened the outside marker");
}

/* open(O_WRONLY) and close at once: a successful open is the broken promise; nothing is written. */
static void open_wronly(const struct sj_ctx *c, const char *a) {
  (void)c;
  long fd = sj_sys(SYS_open, (long)a, O_WRONLY | O_CLOEXEC | O_NOCTTY, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, a);
}

/* open(O_RDONLY) and close at once (device nodes: nothing is read). */
static void open_rdonly(const struct sj_ctx *c, const char *a) {
  (void)c;
  long fd = sj_sys(SYS_open, (long)a, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, a);
}

/* The host's block devices (named by /sys/class/block, else common names) cannot be opened from /dev:
 * each is opened O_RDONLY and closed at once, nothing is read. */
static void dev_block(const struct sj_ctx *c, const char *a) {
  static const char *common[] = {"sda", "vda", "xvda", "nvme0n1", "hda", "loop0", "dm-0", NULL};
  char path[320], detail[400];
  int tried = 0, err = ENOENT;
  (void)c; (void)a;
  DIR *d = opendir("/sys/class/block");
  struct dirent *e;
  for (int i = 0;; i++) {
    const char *name;
    if (d) {
      if (!(e = readdir(d))) break;
      if (e->d_name[0] == '.') continue;
      name = e->d_name;
    } else if (!(name = common[i])) {
      break;
    }
    snprintf(path, sizeof path, "/dev/%s", name);
    tried++;
    long fd = sj_sys(SYS_open, (long)path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0, 0, 0);
    if (fd >= 0) {
      close((int)fd);
      if (d) closedir(d);
      sj_value("opened", path);
      return;
    }
    if (errno != ENOENT) err = errno;
  }
  if (d) closedir(d);
  snprintf(detail, sizeof detail, "%d block devices tried%s", tried, d ? " (from /sys/class/block)" : "");
  sj_err(err, detail);
}

/* A process that can write a cgroup2 cgroup.procs can leave the jail's cgroup, and with it the eBPF
 * programs that confine its addresses: every cgroup2 mount point visible is opened O_WRONLY and closed
 * at once, nothing is written. */
static void cgroup_procs(const struct sj_ctx *c, const char *a) {
  static const char *dirs[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified", NULL};
  char path[128];
  int seen = 0, err = ENOENT;
  (void)c; (void)a;
  for (int i = 0; dirs[i]; i++) {
    struct statfs sf;
    if (statfs(dirs[i], &sf) < 0 || (unsigned long)sf.f_type != 0x63677270UL /* CGROUP2_SUPER_MAGIC */) continue;
    seen++;
    snprintf(path, sizeof path, "%s/cgroup.procs", dirs[i]);
    long fd = sj_sys(SYS_open, (long)path, O_WRONLY | O_CLOEXEC, 0, 0, 0);
    if (fd >= 0) {
      close((int)fd);
      sj_value("writable", path);
      return;
    }
    err = errno;
  }
  sj_err(err, seen ? "cgroup.procs of a cgroup2 mount" : "no cgroup2 mount visible");
}

/* Root in the jail makes a setuid copy of the victim in its /tmp; the runner then tries to run it as a
 * host user (nobody). Run setuid, the victim only prints its euid (see main). */
static void setuid_plant(const struct sj_ctx *c, const char *a) {
  (void)a;
  char path[512];
  snprintf(path, sizeof path, "%s/sjtest-suid", c->scratch);
  int in = open(c->self, O_RDONLY | O_CLOEXEC);
  if (in < 0) { sj_err(errno, "open self"); return; }
  unlink(path);
  int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
  if (out < 0) { sj_err(errno, "create the copy"); close(in); return; }
  char buf[65536];
  for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
    if (write(out, buf, (size_t)n) != n) { sj_err(errno, "write the copy"); close(in); close(out); return; }
  close(in);
  if (fchmod(out, 04755) < 0) { sj_err(errno, "fchmod 4755"); close(out); return; }
  struct stat st;
  int ok = fstat(out, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;
  close(out);
  sj_value(ok ? "planted" : "not-setuid-root", path);
}

static void proc_pid(const struct sj_ctx *c, const char *a) {
  char path[64];
  (void)a;
  snprintf(path, sizeof path, "/proc/%ld/cmdline", c->sleeper);
  sj_value(sj_has_token(path, c->token) ? "visible" : "hidden", path);
}

const struct sj_probe sj_probes_fs[] = {
    {"root-marker", root_marker}, {"dotdot", dotdot},           {"symlink", symlink_escape},
    {"chroot-escape", chroot_escape}, {"fd-escape", fd_escape}, {"handle-escape", handle_escape},
    {"open-wronly", open_wronly}, {"proc-pid", proc_pid},       {"open-rdonly", open_rdonly},
    {"dev-block", dev_block},     {"cgroup-procs", cgroup_procs}, {"setuid-plant", setuid_plant},
    SJ_PROBE_END};
