/* sjtest victim: shared declarations. One probe = one function that reports exactly one outcome. */
#ifndef SJTEST_VICTIM_H
#define SJTEST_VICTIM_H
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>

struct sj_ctx {
  const char *ip;        /* the jail's address */
  const char *other_ip;  /* a loopback address that is not the jail's */
  const char *hostname;
  const char *token;     /* random token written in the outside marker and the sleeper's argv */
  long sleeper;          /* pid (host namespace) of the sacrificial sleeper */
  unsigned long pidns;   /* inode of the runner's /proc/self/ns/pid */
  unsigned long utsns;   /* inode of the runner's /proc/self/ns/uts */
  const char *marker;    /* host path of a file outside the root holding the token */
  const char *outside;   /* host path of the directory holding it */
  const char *rootmark;  /* path, as the victim sees it, of the marker inside the root */
  const char *scratch;   /* a writable temp dir (inside the root) */
  const char *self;      /* path to exec this victim */
  const char *handle;    /* hex file handle of the marker: "type:hexbytes" */
  const char *links;     /* directory holding the escape symlinks */
  int fd;                /* the inherited descriptor of the outside directory */
  int abstract;          /* 1: the runner saw the sleeper's abstract sockets @sjtest-TOKEN[-dgram] */
  int loop_tcp, loop_udp; /* ports of the runner's service on 127.0.0.1 only (0: none) */
};

typedef void (*sj_probe_fn)(const struct sj_ctx *ctx, const char *arg);
struct sj_probe { const char *name; sj_probe_fn fn; };

/* Reports: exactly one per probe. */
void sj_ok(const char *detail);
void sj_err(int err, const char *detail);
void sj_value(const char *value, const char *detail);
void sj_unproven(const char *detail);
void sj_skip(const char *detail);
/* Reports the result of a raw call: ok when r >= 0, else errno. */
void sj_result(long r, const char *detail);

/* The raw system call of this architecture: `syscall` on x86_64, `int 0x80` on i386. */
long sj_sys(long nr, long a1, long a2, long a3, long a4, long a5);
long sj_sys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* sendto(2) through this architecture's entry point (six arguments). */
long sj_sendto(long fd, const void *buf, long len, const void *addr, long addrlen);

/* Helpers shared by probes. */
int sj_read_file(const char *path, char *buf, size_t len);
int sj_has_token(const char *path, const char *token);
int sj_same_ns(const char *which, unsigned long host_ino); /* 1 same, 0 different, -1 unproven */
int sj_parse_addr(const char *ip, void *sin_out, int port);
const char *sj_addr_str(const void *sin);

extern const struct sj_probe sj_probes_fs[], sj_probes_proc[], sj_probes_host[], sj_probes_net[],
    sj_probes_sys[], sj_probes_func[], sj_probes_arch[], sj_probes_stdio[], sj_probes_caller[];
int sj_ptyrun(int argc, char **argv);
int sj_confined(int argc, char **argv);
extern char sj_token_buf[64];

#define SJ_PROBE_END { NULL, NULL }
#endif
