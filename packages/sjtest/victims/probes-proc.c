/* Process promises: a process outside (the runner's sleeper) cannot be signalled, traced, read or
 * pidfd_open'ed; the jail's PID 1 cannot be traced, read or robbed of its fds. Every probe undoes what it did (PTRACE_SEIZE is detached, a pidfd closed). */
#include "victim.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

static void kill0(const struct sj_ctx *c, const char *a) {
  (void)a;
  sj_result(sj_sys(SYS_kill, c->sleeper, 0, 0, 0, 0), "kill(sleeper, 0)");
}

static void ptrace_seize(const struct sj_ctx *c, const char *a) {
  (void)a;
  long r = sj_sys(SYS_ptrace, PTRACE_SEIZE, c->sleeper, 0, 0, 0);
  int saved = errno;
  if (r >= 0) sj_sys(SYS_ptrace, PTRACE_DETACH, c->sleeper, 0, 0, 0);
  errno = saved;
  sj_result(r, "ptrace(PTRACE_SEIZE, sleeper)");
}

static void vm_read(const struct sj_ctx *c, const char *a) {
  char buf[64] = {0};
  struct iovec local = {buf, sizeof buf}, remote = {sj_token_buf, sizeof sj_token_buf};
  (void)a;
  long r = sj_sys6(SYS_process_vm_readv, c->sleeper, (long)&local, 1, (long)&remote, 1, 0);
  if (r < 0) { sj_err(errno, "process_vm_readv(sleeper)"); return; }
  sj_ok(strncmp(buf, c->token, sizeof buf) == 0 ? "read the sleeper's token" : "read sleeper memory");
}

static void pidfd(const struct sj_ctx *c, const char *a) {
  (void)a;
  long fd = sj_sys(SYS_pidfd_open, c->sleeper, 0, 0, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "pidfd_open(sleeper)");
}

/* The jail's PID 1 is the jail tool's (sysjail's init holds a channel to its supervisor): it cannot be
 * traced, read or have its fds taken. Probed only once proved outside the runner's PID namespace, where
 * PID 1 would be the host's init. ARG: ptrace | vmread | getfd. */
static void init_probe(const struct sj_ctx *c, const char *a) {
  int same = sj_same_ns("pid", c->pidns);
  if (same != 0) {
    sj_unproven(same == 1 ? "in the runner's PID namespace: PID 1 is the host's, not probed"
                          : "cannot prove a PID namespace of its own: PID 1 not probed");
    return;
  }
  if (strcmp(a, "ptrace") == 0) {
    long r = sj_sys(SYS_ptrace, PTRACE_SEIZE, 1, 0, 0, 0);
    int saved = errno;
    if (r >= 0) sj_sys(SYS_ptrace, PTRACE_DETACH, 1, 0, 0, 0);
    errno = saved;
    sj_result(r, "ptrace(PTRACE_SEIZE, 1)");
  } else if (strcmp(a, "vmread") == 0) {
    /* any address: EFAULT means the permission check passed */
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)sj_token_buf, sizeof buf};
    sj_result(sj_sys6(SYS_process_vm_readv, 1, (long)&local, 1, (long)&remote, 1, 0), "process_vm_readv(1)");
  } else {
    long pfd = sj_sys(SYS_pidfd_open, 1, 0, 0, 0, 0);
    if (pfd < 0) { sj_err(errno, "pidfd_open(1)"); return; }
    int err = EBADF;
    for (int fd = 0; fd < 64; fd++) {
      long got = sj_sys(SYS_pidfd_getfd, pfd, fd, 0, 0, 0);
      if (got >= 0) {
        char detail[64];
        close((int)got);
        close((int)pfd);
        snprintf(detail, sizeof detail, "pidfd_getfd(1, %d)", fd);
        sj_ok(detail);
        return;
      }
      if (errno != EBADF) err = errno;
    }
    close((int)pfd);
    sj_err(err, "pidfd_getfd(1, 0..63)");
  }
}

const struct sj_probe sj_probes_proc[] = {{"kill-sleeper", kill0},
                                          {"ptrace-sleeper", ptrace_seize},
                                          {"vmread-sleeper", vm_read},
                                          {"pidfd-sleeper", pidfd},
                                          {"init", init_probe},
                                          SJ_PROBE_END};
