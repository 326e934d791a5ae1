/* The caller's confinement: a jail never sheds it. `confined KIND ID -- ARGV...` (below) is the caller:
 * it confines itself in one way and execs the jail tool's command line; in the jail, the probe of KIND
 * reports whether the command is still confined ("confined") or not ("unconfined"). The runner runs the
 * same probe once more through a plain caller, to show what the jail gives without it.
 * KIND: no-new-privs | seccomp (a filter refusing getcpu with EPERM) | landlock (no writing anywhere)
 *       | bounding-set (CAP_FSETID dropped from it). */
#include "victim.h"
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The capability the caller drops from its bounding set: one a jail's root keeps (FreeBSD's jailed
 * root may set a file's setuid bits) and no jail tool needs to start a jail. */
#define CALLER_CAP 4 /* CAP_FSETID */

/* Landlock's file system rights that write or make (UAPI bits, ABI 1 to 3); read and execute are not
 * handled, so they stay allowed everywhere. */
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)    /* ABI 2 */
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

#ifdef __x86_64__
#define SJ_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define SJ_AUDIT_ARCH AUDIT_ARCH_I386
#endif

static void caller_nnp(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = sj_sys(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (r < 0) { sj_err(errno, "prctl(PR_GET_NO_NEW_PRIVS)"); return; }
  sj_value(r == 1 ? "confined" : "unconfined", r == 1 ? "no_new_privs 1" : "no_new_privs 0");
}

static void caller_seccomp(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  unsigned cpu = 0, node = 0;
  long r = sj_sys(SYS_getcpu, (long)&cpu, (long)&node, 0, 0, 0);
  char detail[64];
  if (r < 0) {
    snprintf(detail, sizeof detail, "getcpu failed: %s", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    sj_value("confined", detail);
  } else {
    snprintf(detail, sizeof detail, "getcpu succeeded (cpu %u)", cpu);
    sj_value("unconfined", detail);
  }
}

static void caller_landlock(const struct sj_ctx *c, const char *a) {
  (void)a;
  char path[600], detail[700];
  snprintf(path, sizeof path, "%s/sjtest-caller-write", c->scratch);
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    snprintf(detail, sizeof detail, "creating %s failed: %s", path,
             strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    sj_value("confined", detail);
    return;
  }
  ssize_t n = write(fd, "x", 1);
  close(fd);
  unlink(path);
  snprintf(detail, sizeof detail, "created and wrote %s (%zd byte)", path, n);
  sj_value("unconfined", detail);
}

static void caller_bounding(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long r = sj_sys(SYS_prctl, PR_CAPBSET_READ, CALLER_CAP, 0, 0, 0);
  if (r < 0) { sj_err(errno, "prctl(PR_CAPBSET_READ, CAP_FSETID)"); return; }
  sj_value(r == 0 ? "confined" : "unconfined",
           r == 0 ? "CAP_FSETID not in the bounding set" : "CAP_FSETID in the bounding set");
}

const struct sj_probe sj_probes_caller[] = {
  {"caller-no-new-privs", caller_nnp},
  {"caller-seccomp", caller_seccomp},
  {"caller-landlock", caller_landlock},
  {"caller-bounding-set", caller_bounding},
  SJ_PROBE_END,
};

static int confine_seccomp(void) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SJ_AUDIT_ARCH, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getcpu, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
  /* root (CAP_SYS_ADMIN) may install a filter without no_new_privs: the case checks the filter alone */
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int confine_landlock(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return -1;
  /* the ruleset's first field alone (handled_access_fs): every ABI takes it */
  struct { unsigned long long handled_access_fs; } attr = {
    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
    LANDLOCK_ACCESS_FS_MAKE_SYM};
  if (abi >= 2) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
  /* no rule: nothing handled is allowed anywhere */
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) return -1;
  int r = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
  int saved = errno;
  close(ruleset);
  errno = saved;
  return r;
}

/* confined KIND ID -- ARGV...: confine this process by KIND, then exec ARGV (the jail tool's command
 * line). When it cannot confine itself it reports ID skipped and does not run ARGV. */
int sj_confined(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: confined KIND ID -- ARGV...\n");
    return 2;
  }
  const char *kind = argv[2], *id = argv[3];
  int r;
  if (strcmp(kind, "no-new-privs") == 0) r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  else if (strcmp(kind, "seccomp") == 0) r = confine_seccomp();
  else if (strcmp(kind, "landlock") == 0) r = confine_landlock();
  else if (strcmp(kind, "bounding-set") == 0) r = prctl(PR_CAPBSET_DROP, CALLER_CAP, 0, 0, 0);
  else {
    fprintf(stderr, "confined: unknown kind %s\n", kind);
    return 2;
  }
  if (r != 0) {
    const char *e = strerrorname_np(errno);
    printf("SJTEST\t%s\tskip\t-\tthe caller could not confine itself (%s): %s\n", id, kind, e ? e : "?");
    return 0;
  }
  execvp(argv[5], argv + 5);
  printf("SJTEST\t%s\tskip\t-\tthe caller could not run the jail tool %s\n", id, argv[5]);
  return 127;
}
