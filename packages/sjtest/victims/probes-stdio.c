/* Stdio promises: what the caller hands the jail as its standard input (a directory, a connected
 * socket, a terminal) gives jailed root no way out. The runner chooses fd 0 for these probes. The
 * terminal's verdict is the host's: `ptyrun` (below) runs the jail tool on a pseudo-terminal of its own,
 * lets the probe attack it, and reports whether the terminal changed. */
#include "victim.h"
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <termios.h>
#include <unistd.h>

static void stdin_directory(const struct sj_ctx *c, const char *a) {
  (void)a;
  const char *name = strrchr(c->marker, '/');
  name = name ? name + 1 : c->marker;
  char path[600];
  snprintf(path, sizeof path, "/proc/self/fd/0/%s", name);
  int fd = openat(0, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { sj_err(errno, "openat(0, marker) and /proc/self/fd/0/marker"); return; }
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  sj_value(strstr(buf, c->token) ? "outside" : "inside", "a file beside the caller's stdin directory");
}

static void stdin_reconnect(const struct sj_ctx *c, const char *a) {
  (void)a;
  if (!c->loop_tcp) { sj_skip("no loopback service"); return; }
  struct sockaddr sa = { .sa_family = AF_UNSPEC };
  if (connect(0, &sa, sizeof sa) != 0) { sj_err(errno, "connect(0, AF_UNSPEC)"); return; }
  struct sockaddr_in to;
  sj_parse_addr("127.0.0.1", &to, c->loop_tcp);
  if (connect(0, (struct sockaddr *)&to, sizeof to) != 0) { sj_err(errno, "connect(0, 127.0.0.1:service)"); return; }
  char buf[128] = {0};
  struct pollfd p = { .fd = 0, .events = POLLIN };
  ssize_t n = poll(&p, 1, 2000) > 0 ? read(0, buf, sizeof buf - 1) : -1;
  sj_value(n > 0 && strstr(buf, c->token) ? "reached" : "unanswered", "the caller's socket reconnected to the host's 127.0.0.1 service");
}

static void stdin_terminal(const struct sj_ctx *c, const char *a) {
  (void)c; (void)a;
  struct winsize ws = { .ws_row = 7, .ws_col = 13 };
  ioctl(0, TIOCSWINSZ, &ws);
  struct termios t;
  if (tcgetattr(0, &t) == 0) {
    t.c_lflag ^= ECHO;
    t.c_cc[VMIN] = 7;
    tcsetattr(0, TCSANOW, &t);
  }
  tcflow(0, TCOOFF);
  ioctl(0, TIOCSTI, "x");
  fchmod(0, 0666);
  /* the verdict is ptyrun's, on the host */
  sj_unproven("TIOCSWINSZ, tcsetattr, tcflow(TCOOFF), TIOCSTI and fchmod tried on fd 0");
}

const struct sj_probe sj_probes_stdio[] = {
  {"stdin-directory", stdin_directory},
  {"stdin-reconnect", stdin_reconnect},
  {"stdin-terminal", stdin_terminal},
  SJ_PROBE_END,
};

/* ptyrun ID -- ARGV...: runs ARGV with a new pseudo-terminal (40x120, non-canonical) as its stdin, reads
 * and drops what it writes there, and reports for ID whether the terminal's size, modes, flow, pending
 * input or mode bits changed ("unchanged" or "changed:..."), after ARGV's own output. */
int sj_ptyrun(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) { fprintf(stderr, "usage: ptyrun ID -- ARGV...\n"); return 2; }
  const char *id = argv[2];
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) { perror("posix_openpt"); return 1; }
  int term = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (term < 0) { perror("open pts"); return 1; }
  struct winsize ws = { .ws_row = 40, .ws_col = 120 }, ws2;
  ioctl(master, TIOCSWINSZ, &ws);
  struct termios t, t2;
  tcgetattr(term, &t);
  cfmakeraw(&t);
  tcsetattr(term, TCSANOW, &t);
  tcgetattr(term, &t);
  struct stat st, st2;
  fstat(term, &st);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(term, 0);
    close(term);
    close(master);
    execvp(argv[4], argv + 4);
    _exit(127);
  }
  int status = 0;
  char drop[4096];
  for (;;) {
    struct pollfd p = { .fd = master, .events = POLLIN };
    if (poll(&p, 1, 50) > 0 && (p.revents & POLLIN)) {
      if (read(master, drop, sizeof drop) < 0) {}
    }
    if (waitpid(pid, &status, WNOHANG) == pid) break;
  }
  char changed[128] = "";
  ioctl(term, TIOCGWINSZ, &ws2);
  if (ws2.ws_row != 40 || ws2.ws_col != 120) strcat(changed, ",size");
  tcgetattr(term, &t2);
  if (t.c_iflag != t2.c_iflag || t.c_oflag != t2.c_oflag || t.c_cflag != t2.c_cflag ||
      t.c_lflag != t2.c_lflag || memcmp(t.c_cc, t2.c_cc, sizeof t.c_cc) != 0)
    strcat(changed, ",modes");
  struct pollfd w = { .fd = term, .events = POLLOUT };
  if (poll(&w, 1, 0) == 0) strcat(changed, ",stopped");
  int pending = 0;
  ioctl(term, FIONREAD, &pending);
  if (pending > 0) strcat(changed, ",input");
  fstat(term, &st2);
  if (st2.st_mode != st.st_mode) strcat(changed, ",mode-bits");
  tcflow(term, TCOON);
  if (changed[0]) printf("SJTEST\t%s\tvalue\t-\tchanged:%s the caller's terminal\n", id, changed + 1);
  else printf("SJTEST\t%s\tvalue\t-\tunchanged the caller's terminal\n", id);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
