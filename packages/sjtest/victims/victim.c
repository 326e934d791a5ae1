/* sjtest victim: runs probes, each in a forked child, and prints one line per probe:
 *   SJTEST<TAB>id<TAB>outcome<TAB>errno<TAB>detail
 * outcome: ok | err | value | killed | timeout | unproven | skip.
 * Modes: run KEY=VALUE... -- ID=PROBE[:ARG]... | sleeper TOKEN | handle PATH | exit N
 *        | ptyrun ID -- ARGV... (see probes-stdio.c) | confined KIND ID -- ARGV... (probes-caller.c) */
#include "victim.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#define PROBE_TIMEOUT 10

char sj_token_buf[64] = "sjtest-unset-token";
static int report_fd = 1;
static int reported;

static void emit(const char *outcome, const char *err, const char *detail) {
  char line[1024], clean[800];
  size_t i;
  if (reported) return;
  reported = 1;
  snprintf(clean, sizeof clean, "%s", detail ? detail : "");
  for (i = 0; clean[i]; i++)
    if (clean[i] == '\t' || clean[i] == '\n' || clean[i] == '\r') clean[i] = ' ';
  int n = snprintf(line, sizeof line, "%s\t%s\t%s\n", outcome, err ? err : "-", clean);
  if (write(report_fd, line, (size_t)n) < 0) _exit(120);
}

static const char *errno_name(int err) {
  static char buf[16];
  const char *name = strerrorname_np(err);
  if (name) return name;
  snprintf(buf, sizeof buf, "E%d", err);
  return buf;
}

void sj_ok(const char *detail) { emit("ok", NULL, detail); }
void sj_err(int err, const char *detail) { emit("err", errno_name(err), detail); }
void sj_value(const char *value, const char *detail) {
  char buf[800];
  snprintf(buf, sizeof buf, "%s%s%s", value, detail && *detail ? " " : "", detail ? detail : "");
  emit("value", NULL, buf);
}
void sj_unproven(const char *detail) { emit("unproven", NULL, detail); }
void sj_skip(const char *detail) { emit("skip", NULL, detail); }
void sj_result(long r, const char *detail) {
  if (r >= 0) sj_ok(detail);
  else sj_err(errno, detail);
}

int sj_read_file(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  int saved = errno;
  close(fd);
  if (n < 0) { errno = saved; return -1; }
  buf[n] = 0;
  for (ssize_t i = 0; i < n; i++) if (buf[i] == 0) buf[i] = ' ';
  return (int)n;
}

int sj_has_token(const char *path, const char *token) {
  char buf[4096];
  if (sj_read_file(path, buf, sizeof buf) < 0) return 0;
  return strstr(buf, token) != NULL;
}

int sj_same_ns(const char *which, unsigned long host_ino) {
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/self/ns/%s", which);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  /* a real nsfs file answers NS_GET_NSTYPE; a look-alike file does not */
  int type = ioctl(fd, NS_GET_NSTYPE);
  int ok = fstat(fd, &st);
  close(fd);
  if (type < 0 || ok < 0 || host_ino == 0) return -1;
  return (unsigned long)st.st_ino == host_ino ? 1 : 0;
}

int sj_parse_addr(const char *ip, void *out, int port) {
  struct sockaddr_in *sin = out;
  memset(sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_port = htons((unsigned short)port);
  return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

const char *sj_addr_str(const void *p) {
  static char buf[INET_ADDRSTRLEN];
  const struct sockaddr_in *sin = p;
  inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
  return buf;
}

static const struct sj_probe *find_probe(const char *name) {
  const struct sj_probe *tables[] = {sj_probes_fs, sj_probes_proc, sj_probes_host, sj_probes_net,
                                     sj_probes_sys, sj_probes_func, sj_probes_arch, sj_probes_stdio,
                                     sj_probes_caller};
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (const struct sj_probe *p = tables[t]; p->name; p++)
      if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

static void run_one(const struct sj_ctx *ctx, const char *spec) {
  char id[128], name[128];
  const char *eq = strchr(spec, '='), *arg = "";
  if (!eq || (size_t)(eq - spec) >= sizeof id) { printf("SJTEST\t%s\terr\tEINVAL\tbad spec\n", spec); return; }
  memcpy(id, spec, (size_t)(eq - spec)); id[eq - spec] = 0;
  const char *colon = strchr(eq + 1, ':');
  size_t nlen = colon ? (size_t)(colon - eq - 1) : strlen(eq + 1);
  if (nlen >= sizeof name) nlen = sizeof name - 1;
  memcpy(name, eq + 1, nlen); name[nlen] = 0;
  if (colon) arg = colon + 1;
  const struct sj_probe *p = find_probe(name);
  if (!p) { printf("SJTEST\t%s\tskip\t-\tno probe %s in this victim\n", id, name); fflush(stdout); return; }

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) { printf("SJTEST\t%s\terr\t%s\tpipe failed\n", id, errno_name(errno)); return; }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("SJTEST\t%s\terr\t%s\tfork failed\n", id, errno_name(errno));
    close(fds[0]); close(fds[1]);
    return;
  }
  if (pid == 0) {
    close(fds[0]);
    report_fd = fds[1];
    alarm(PROBE_TIMEOUT);
    p->fn(ctx, arg);
    emit("err", "-", "probe made no report");
    _exit(0);
  }
  close(fds[1]);
  char buf[1024];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) != 0) {
    if (n < 0) { if (errno == EINTR) continue; break; }
    got += (size_t)n;
  }
  buf[got] = 0;
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (got > 0) {
    printf("SJTEST\t%s\t%s", id, buf);
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char *abbrev = sigabbrev_np(sig);
    if (sig == SIGALRM) printf("SJTEST\t%s\ttimeout\t-\tno result in %ds\n", id, PROBE_TIMEOUT);
    else printf("SJTEST\t%s\tkilled\t-\tSIG%s\n", id, abbrev ? abbrev : "?");
  } else {
    /* a value, so that a case can expect it: reboot(2) in a PID namespace ends its caller with do_exit(0) */
    printf("SJTEST\t%s\tvalue\t-\texited-%d the probe exited without a report\n", id, WEXITSTATUS(status));
  }
  fflush(stdout);
}

static void handle_mode(const char *path) {
  struct { struct file_handle fh; unsigned char bytes[128]; } h;
  int mount_id;
  h.fh.handle_bytes = sizeof h.bytes;
  if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0) { perror("name_to_handle_at"); exit(1); }
  printf("%d:", h.fh.handle_type);
  for (unsigned i = 0; i < h.fh.handle_bytes; i++) printf("%02x", h.fh.f_handle[i]);
  printf("\n");
}

/* The sleeper outside also holds abstract UNIX sockets of the host's network namespace, named after the
 * token: a stream one that answers every connection with the token, and a datagram one. Abstract names
 * ignore the file system: only a jail that shares the host's network namespace can reach them. */
static void sleeper_serve(const char *token) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  socklen_t len;
  int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                    snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "sjtest-%s-dgram", token));
  if (d >= 0) bind(d, (struct sockaddr *)&a, len);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(a.sun_path, 0, sizeof a.sun_path);
  len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                    snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "sjtest-%s", token));
  if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 8) < 0) return;
  signal(SIGPIPE, SIG_IGN);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    if (write(c, token, strlen(token)) < 0) {}
    close(c);
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* Run setuid (fs.setuid-host-user's copy): print the effective uid and nothing else. */
  if (geteuid() != getuid()) {
    printf("euid %d\n", (int)geteuid());
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "sleeper") == 0) {
    snprintf(sj_token_buf, sizeof sj_token_buf, "%s", argv[2]);
    sleeper_serve(argv[2]);
    for (;;) pause();
  }
  if (argc >= 3 && strcmp(argv[1], "handle") == 0) { handle_mode(argv[2]); return 0; }
  if (argc >= 3 && strcmp(argv[1], "abstract-client") == 0) {
    /* The runner's host client of net.unix-abstract-squat: connect to @NAME, say "host". */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                                snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "%s", argv[2]));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, len) < 0) return 1;
    return write(s, "host\n", 5) == 5 ? 0 : 1;
  }
  if (argc >= 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "ptyrun") == 0) return sj_ptyrun(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "confined") == 0) return sj_confined(argc, argv);
  if (argc < 2 || strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "usage: %s run KEY=VALUE... -- ID=PROBE[:ARG]...\n", argv[0]);
    return 2;
  }
  struct sj_ctx ctx = {"127.0.0.5", "127.0.0.9", "", "", 0, 0, 0, "", "", "/.sjtest-root", "/tmp",
                       argv[0], "", "/sjtest", 3};
  int i = 2;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    char *kv = argv[i], *v = strchr(kv, '=');
    if (!v) continue;
    *v++ = 0;
    if (!strcmp(kv, "ip")) ctx.ip = v;
    else if (!strcmp(kv, "other")) ctx.other_ip = v;
    else if (!strcmp(kv, "hostname")) ctx.hostname = v;
    else if (!strcmp(kv, "token")) ctx.token = v;
    else if (!strcmp(kv, "sleeper")) ctx.sleeper = atol(v);
    else if (!strcmp(kv, "pidns")) ctx.pidns = strtoul(v, NULL, 10);
    else if (!strcmp(kv, "utsns")) ctx.utsns = strtoul(v, NULL, 10);
    else if (!strcmp(kv, "marker")) ctx.marker = v;
    else if (!strcmp(kv, "outside")) ctx.outside = v;
    else if (!strcmp(kv, "rootmark")) ctx.rootmark = v;
    else if (!strcmp(kv, "scratch")) ctx.scratch = v;
    else if (!strcmp(kv, "self")) ctx.self = v;
    else if (!strcmp(kv, "handle")) ctx.handle = v;
    else if (!strcmp(kv, "links")) ctx.links = v;
    else if (!strcmp(kv, "fd")) ctx.fd = atoi(v);
    else if (!strcmp(kv, "abstract")) ctx.abstract = atoi(v);
    else if (!strcmp(kv, "looptcp")) ctx.loop_tcp = atoi(v);
    else if (!strcmp(kv, "loopudp")) ctx.loop_udp = atoi(v);
  }
  snprintf(sj_token_buf, sizeof sj_token_buf, "%s", ctx.token);
  for (i++; i < argc; i++) run_one(&ctx, argv[i]);
  printf("SJTEST-END\n");
  return 0;
}
