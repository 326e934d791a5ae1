/*
 * Test victim for the classic-BPF property tests: installs the filter read from stdin (struct sock_filter[])
 * as a seccomp filter, then trips it.
 *
 *   seccomp-victim check
 *     exit status 100 + errno if seccomp(SECCOMP_SET_MODE_FILTER) refused the filter; if it accepted it,
 *     dies of SIGILL (ud2, no system call).
 *   seccomp-victim run NR A0 A1 A2 A3 A4 A5 [NR A0 ...]   (hexadecimal, 64-bit)
 *     makes each system call and prints "<return> <errno>" per call; exit status 2 if install failed.
 *
 * It is not dumpable, so the signals it dies of (SIGILL, SIGSYS) leave no core dump.
 * Everything it needs itself (read, write, exit_group, ...) has a number below the tested range, which
 * the tests' filters allow.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 4096
#define MAX_CALLS 64

static struct sock_filter insns[MAX_INSNS + 1];

static int read_filter(void) {
  size_t have = 0;
  char *buf = (char *)insns;
  for (;;) {
    ssize_t n = read(0, buf + have, sizeof insns - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    have += (size_t)n;
    if (have == sizeof insns) break;
  }
  return (int)(have / sizeof(struct sock_filter));
}

static int install(int len) {
  struct sock_fprog prog = {.len = (unsigned short)len, .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv) {
  if (argc < 2) return 64;
  struct rlimit core = {0, 0};
  setrlimit(RLIMIT_CORE, &core);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return 66;
  int len = read_filter();
  if (len < 0) return 65;

  if (strcmp(argv[1], "check") == 0) {
    if (install(len) != 0) return 100 + errno;
    __builtin_trap();
  }

  if (strcmp(argv[1], "run") != 0 || (argc - 2) % 7 != 0 || (argc - 2) / 7 > MAX_CALLS) return 64;
  int calls = (argc - 2) / 7;
  unsigned long long in[MAX_CALLS][7];
  for (int c = 0; c < calls; c++)
    for (int j = 0; j < 7; j++) in[c][j] = strtoull(argv[2 + 7 * c + j], NULL, 16);
  long ret[MAX_CALLS];
  int err[MAX_CALLS];

  if (install(len) != 0) {
    printf("install-failed %d\n", errno);
    return 2;
  }
  for (int c = 0; c < calls; c++) {
    errno = 0;
    ret[c] = syscall((long)in[c][0], (long)in[c][1], (long)in[c][2], (long)in[c][3], (long)in[c][4],
                     (long)in[c][5], (long)in[c][6]);
    err[c] = errno;
  }
  for (int c = 0; c < calls; c++) printf("%ld %d\n", ret[c], err[c]);
  return 0;
}
