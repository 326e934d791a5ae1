/* Process promises: a process outside (the runner's sleeper) cannot be signalled, traced, read or
 * pidfd_open'ed. Every probe undoes what it did (PTRACE_SEIZE is detached, a pidfd closed). */
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

const struct sj_probe sj_probes_proc[] = {{"kill-sleeper", kill0},
                                          {"ptrace-sleeper", ptrace_seize},
                                          {"vmread-sleeper", vm_read},
                                          {"pidfd-sleeper", pidfd},
                                          SJ_PROBE_END};
