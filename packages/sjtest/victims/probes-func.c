/* What must keep working: fork/exec/wait, pipes, threads, signals, files, unix sockets, TCP on the jail
 * address, netlink route sockets, plain calls. */
#include "victim.h"
#include <stddef.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void fork_exec_wait(const struct sj_ctx *c, const char *a) {
  char v[32];
  (void)a;
  pid_t pid = fork();
  if (pid < 0) { sj_err(errno, "fork"); return; }
  if (pid == 0) {
    char *argv[] = {(char *)c->self, "exit", "7", NULL};
    execv(c->self, argv);
    _exit(99);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) { sj_err(errno, "waitpid"); return; }
  snprintf(v, sizeof v, "exit-%d", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
  sj_value(v, "fork, exec itself with exit 7, wait");
}

static void pipes(const struct sj_ctx *c, const char *a) {
  int p[2];
  char buf[8] = {0};
  (void)c; (void)a;
  if (pipe(p) < 0) { sj_err(errno, "pipe"); return; }
  if (write(p[1], "ping", 4) != 4 || read(p[0], buf, 4) != 4) { sj_err(errno, "pipe i/o"); return; }
  sj_value(buf, "");
}

static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *work(void *p) {
  (void)p;
  for (int i = 0; i < 1000; i++) { pthread_mutex_lock(&lock); counter++; pthread_mutex_unlock(&lock); }
  return NULL;
}
static void threads(const struct sj_ctx *c, const char *a) {
  pthread_t t[4];
  char v[32];
  (void)c; (void)a;
  for (int i = 0; i < 4; i++) if (pthread_create(&t[i], NULL, work, NULL) != 0) { sj_err(errno, "pthread_create"); return; }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  snprintf(v, sizeof v, "%d", counter);
  sj_value(v, "4 threads x 1000 increments");
}

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got = 1; }
static void signals(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  kill(getpid(), SIGUSR1);
  pid_t pid = fork();
  if (pid == 0) { pause(); _exit(0); }
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  sj_value(got && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? "delivered" : "lost", "SIGUSR1 to self, SIGTERM to a child");
}

static void files(const struct sj_ctx *c, const char *a) {
  char path[512], moved[520], buf[16] = {0};
  (void)a;
  snprintf(path, sizeof path, "%s/sjtest-file-%d", c->scratch, (int)getpid());
  snprintf(moved, sizeof moved, "%s.moved", path);
  FILE *f = fopen(path, "w");
  if (!f) { sj_err(errno, "create"); return; }
  fputs("content", f);
  fclose(f);
  if (rename(path, moved) < 0) { sj_err(errno, "rename"); unlink(path); return; }
  f = fopen(moved, "r");
  if (!f) { sj_err(errno, "reopen"); return; }
  if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
  fclose(f);
  unlink(moved);
  sj_value(buf, "create, write, rename, read, unlink");
}

/* ARG "abstract": an abstract name of the jail's own (a jail refuses only the host's abstract sockets). */
static void unix_socket(const struct sj_ctx *c, const char *a) {
  struct sockaddr_un sun = {AF_UNIX, ""};
  char buf[8] = {0};
  int abstract = strcmp(a, "abstract") == 0;
  socklen_t len = sizeof sun;
  if (abstract)
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                      snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "sjtest-own-%d", (int)getpid()));
  else
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/sjtest-sock-%d", c->scratch, (int)getpid());
  int l = socket(AF_UNIX, SOCK_STREAM, 0), s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || s < 0) { sj_err(errno, "socket(AF_UNIX)"); return; }
  if (bind(l, (struct sockaddr *)&sun, len) < 0 || listen(l, 1) < 0) { sj_err(errno, "bind/listen"); return; }
  if (connect(s, (struct sockaddr *)&sun, len) < 0) {
    sj_err(errno, "connect");
    if (!abstract) unlink(sun.sun_path);
    return;
  }
  int a2 = accept(l, NULL, NULL);
  if (!abstract) unlink(sun.sun_path);
  if (a2 < 0 || write(s, "unix", 4) != 4 || read(a2, buf, 4) != 4) { sj_err(errno, "accept/io"); return; }
  sj_value(buf, "");
}

static void tcp_jail_ip(const struct sj_ctx *c, const char *a) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  char buf[8] = {0};
  (void)a;
  int l = socket(AF_INET, SOCK_STREAM, 0), s = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0 || s < 0) { sj_err(errno, "socket"); return; }
  sj_parse_addr(c->ip, &sin, 0);
  if (bind(l, (struct sockaddr *)&sin, sizeof sin) < 0) { sj_err(errno, "bind(jail ip)"); return; }
  if (listen(l, 1) < 0) { sj_err(errno, "listen"); return; }
  getsockname(l, (struct sockaddr *)&sin, &len);
  if (connect(s, (struct sockaddr *)&sin, sizeof sin) < 0) { sj_err(errno, "connect(jail ip)"); return; }
  int a2 = accept(l, NULL, NULL);
  if (a2 < 0 || write(s, "tcp", 3) != 3 || read(a2, buf, 3) != 3) { sj_err(errno, "accept/io"); return; }
  sj_value(buf, "listen on and connect to the jail address");
}

static void netlink_route(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long fd = sj_sys(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, 0, 0);
  if (fd >= 0) close((int)fd);
  sj_result(fd, "socket(AF_NETLINK, NETLINK_ROUTE)");
}

static void plain(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  long pid = sj_sys(SYS_getpid, 0, 0, 0, 0, 0);
  long n = sj_sys(SYS_write, 2, (long)"", 0, 0, 0);
  sj_result(pid > 0 && n == 0 ? 0 : -1, "getpid, write");
}

const struct sj_probe sj_probes_func[] = {
    {"fork-exec-wait", fork_exec_wait}, {"pipe", pipes},     {"threads", threads},
    {"signals", signals},               {"files", files},    {"unix-socket", unix_socket},
    {"tcp-jail-ip", tcp_jail_ip},       {"netlink-route", netlink_route}, {"plain", plain},
    SJ_PROBE_END};
