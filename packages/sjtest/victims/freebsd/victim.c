/*
 * sjtest's FreeBSD victim: a freestanding FreeBSD amd64 program (no libc, raw FreeBSD system calls,
 * branded OS/ABI 9 by the build) that runs the probes of sjtest's filesystem, process, hostname and
 * network cases the way a FreeBSD program makes those calls, for jail tools that run FreeBSD programs.
 * Same protocol as the Linux victims: `run KEY=VALUE... -- ID=PROBE[:ARG]...` prints
 *   SJTEST<TAB>id<TAB>ok|err|value|killed|timeout<TAB>errno<TAB>detail
 * per probe (each in a forked child, 10 s at most), errnos by FreeBSD's names for FreeBSD's numbers,
 * then SJTEST-END. `exit N` exits with N. Numbers below are FreeBSD's (sys/kern/syscalls.master,
 * sys/sys/errno.h, sys/sys/socket.h, sys/sys/fcntl.h, sys/sys/mman.h, sys/sys/signal.h).
 */
#include <stddef.h>
#include <stdint.h>

enum {
	SYS_exit = 1, SYS_fork = 2, SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6, SYS_wait4 = 7,
	SYS_chdir = 12, SYS_getpid = 20, SYS_ptrace = 26, SYS_recvfrom = 29, SYS_getsockname = 32, SYS_kill = 37,
	SYS_chroot = 61, SYS_socket = 97, SYS_connect = 98, SYS_bind = 104, SYS_listen = 106, SYS_sendto = 133,
	SYS_mkdir = 136, SYS_rmdir = 137, SYS___sysctl = 202, SYS_poll = 209, SYS_mmap = 477, SYS_openat = 499,
	SYS_pipe2 = 542, SYS_fstat = 551,
};
enum { AF_UNIX = 1, AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2 };
enum { O_RDONLY = 0, O_CLOEXEC = 0x100000, PROT_RW = 3, MAP_SHARED = 1, MAP_ANON = 0x1000 };
enum { SIGKILL = 9, PT_ATTACH = 10, PT_DETACH = 11, POLLIN = 1 };
#define EINTR 4

/* The raw FreeBSD call: carry set means rax is a positive errno; returned here as -errno. */
static long fsys(long n, long a, long b, long c, long d, long e, long f) {
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	register long rdx __asm__("rdx") = c;
	long ret;
	unsigned char carry;
	__asm__ volatile("syscall\n\tsetc %1"
			 : "=a"(ret), "=r"(carry), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : "a"(n), "D"(a), "S"(b)
			 : "rcx", "r11", "memory", "cc");
	return carry ? -ret : ret;
}
#define S0(n) fsys(n, 0, 0, 0, 0, 0, 0)
#define S(n, ...) sys_(n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_(n, a, b, c, d, e, f, ...) fsys(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* FreeBSD's errno names (sys/sys/errno.h), by number. */
static const char *const errno_names[] = {
	0, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
	"EDEADLK", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
	"EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
	"EMLINK", "EPIPE", "EDOM", "ERANGE", "EAGAIN", "EINPROGRESS", "EALREADY", "ENOTSOCK", "EDESTADDRREQ",
	"EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP",
	"EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET",
	"ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS",
	"ETIMEDOUT", "ECONNREFUSED", "ELOOP", "ENAMETOOLONG", "EHOSTDOWN", "EHOSTUNREACH", "ENOTEMPTY",
	"EPROCLIM", "EUSERS", "EDQUOT", "ESTALE", "EREMOTE", "EBADRPC", "ERPCMISMATCH", "EPROGUNAVAIL",
	"EPROGMISMATCH", "EPROCUNAVAIL", "ENOLCK", "ENOSYS", "EFTYPE", "EAUTH", "ENEEDAUTH", "EIDRM",
	"ENOMSG", "EOVERFLOW", "ECANCELED", "EILSEQ", "ENOATTR", "EDOOFUS", "EBADMSG", "EMULTIHOP", "ENOLINK",
	"EPROTO", "ENOTCAPABLE", "ECAPMODE", "ENOTRECOVERABLE", "EOWNERDEAD", "EINTEGRITY",
};
/* FreeBSD's signal names (sys/sys/signal.h), by number. */
static const char *const signal_names[] = {
	0, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "EMT", "FPE", "KILL", "BUS", "SEGV", "SYS", "PIPE",
	"ALRM", "TERM", "URG", "STOP", "TSTP", "CONT", "CHLD", "TTIN", "TTOU", "IO", "XCPU", "XFSZ", "VTALRM",
	"PROF", "WINCH", "INFO", "USR1", "USR2", "THR", "LIBRT",
};

/* ---- a few string helpers ---- */
static size_t len(const char *s) {
	size_t n = 0;
	while (s[n]) n++;
	return n;
}
static int eq(const char *a, const char *b) {
	while (*a && *a == *b) a++, b++;
	return *a == *b;
}
static int starts(const char *s, const char *p) {
	while (*p && *s == *p) s++, p++;
	return !*p;
}
static const char *find(const char *h, const char *n) {
	size_t k = len(n);
	for (; *h; h++) {
		size_t i = 0;
		while (i < k && h[i] == n[i]) i++;
		if (i == k) return h;
	}
	return 0;
}
static long atol_(const char *s) {
	long v = 0, sign = 1;
	if (*s == '-') sign = -1, s++;
	while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
	return v * sign;
}
/* A bounded string builder. */
struct buf { char s[512]; size_t n; };
static void put(struct buf *b, const char *s) {
	while (*s && b->n < sizeof b->s - 1) b->s[b->n++] = *s++;
	b->s[b->n] = 0;
}
static void putnum(struct buf *b, long v) {
	char t[24];
	int i = 23, neg = v < 0;
	t[i] = 0;
	if (neg) v = -v;
	do t[--i] = (char)('0' + v % 10); while ((v /= 10) && i > 1);
	if (neg) t[--i] = '-';
	put(b, t + i);
}
static void out(int fd, const char *s) { fsys(SYS_write, fd, (long)s, (long)len(s), 0, 0, 0); }

/* ---- the context, as the Linux victims take it ---- */
struct ctx {
	const char *ip, *other_ip, *hostname, *token, *marker, *rootmark, *scratch, *links;
	long sleeper;
	int fd, abstract, loop_tcp, loop_udp;
};

/* ---- reports: exactly one per probe, into the pipe of the probe's child ---- */
static int report_fd = 1, reported;
static void emit(const char *outcome, const char *err, const char *detail) {
	struct buf b = {{0}, 0};
	if (reported) return;
	reported = 1;
	put(&b, outcome), put(&b, "\t"), put(&b, err ? err : "-"), put(&b, "\t");
	for (const char *d = detail ? detail : ""; *d && b.n < sizeof b.s - 2; d++)
		b.s[b.n++] = (*d == '\t' || *d == '\n') ? ' ' : *d;
	b.s[b.n] = 0;
	put(&b, "\n");
	out(report_fd, b.s);
}
static const char *errno_name(long e) {
	static struct buf b;
	if (e > 0 && e < (long)(sizeof errno_names / sizeof *errno_names)) return errno_names[e];
	b.n = 0, put(&b, "E"), putnum(&b, e);
	return b.s;
}
static void ok(const char *d) { emit("ok", 0, d); }
static void err(long e, const char *d) { emit("err", errno_name(e), d); }
static void value(const char *v, const char *d) {
	struct buf b = {{0}, 0};
	put(&b, v);
	if (d && *d) put(&b, " "), put(&b, d);
	emit("value", 0, b.s);
}
/* ok when r >= 0, else the error of -r */
static void result(long r, const char *d) {
	if (r >= 0) ok(d);
	else err(-r, d);
}

/* ---- file helpers ---- */
static int has_token(const char *path, const char *token) {
	char b[4096];
	long fd = S(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) return 0;
	long n = S(SYS_read, fd, b, sizeof b - 1);
	S(SYS_close, fd);
	if (n <= 0) return 0;
	b[n] = 0;
	for (long i = 0; i < n; i++)
		if (!b[i]) b[i] = ' ';
	return find(b, token) != 0;
}
static void report_outside(int escaped, const char *how) { value(escaped ? "outside" : "inside", how); }

/* ---- FreeBSD sockaddr_in: sin_len, sin_family, port (big endian), address ---- */
struct sin { uint8_t len, family; uint16_t port; uint8_t addr[4]; uint8_t zero[8]; };
static int parse_ip(const char *s, struct sin *a, int port) {
	for (size_t i = 0; i < sizeof *a; i++) ((uint8_t *)a)[i] = 0;
	a->len = sizeof *a, a->family = AF_INET, a->port = (uint16_t)((port >> 8) | ((port & 0xff) << 8));
	for (int i = 0; i < 4; i++) {
		long v = 0;
		if (*s < '0' || *s > '9') return -1;
		while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
		if (v > 255 || (i < 3 && *s++ != '.')) return -1;
		a->addr[i] = (uint8_t)v;
	}
	return 0;
}
static const char *ip_text(const struct sin *a) {
	static struct buf b;
	b.n = 0;
	for (int i = 0; i < 4; i++) {
		if (i) put(&b, ".");
		putnum(&b, a->addr[i]);
	}
	return b.s;
}
static int port_of(const struct sin *a) { return ((a->port & 0xff) << 8) | (a->port >> 8); }
/* A socket bound to IP:PORT (no bind when ip is 0); its name in *name. Returns the fd or -errno. */
static long bound_socket(int type, const char *ip, int port, struct sin *name) {
	struct sin a;
	uint32_t alen = sizeof *name;
	long fd = S(SYS_socket, AF_INET, type, 0);
	if (fd < 0) return fd;
	if (ip) {
		parse_ip(ip, &a, port);
		long r = S(SYS_bind, fd, &a, sizeof a);
		if (r < 0) return S(SYS_close, fd), r;
	}
	if (name) {
		long r = S(SYS_getsockname, fd, name, &alen);
		if (r < 0) return S(SYS_close, fd), r;
	}
	return fd;
}
/* Waits up to ms for fd to be readable: 1 readable, 0 not, -errno. */
static long wait_readable(long fd, int ms) {
	struct { int fd; short events, revents; } p = {(int)fd, POLLIN, 0};
	return S(SYS_poll, &p, 1, ms);
}

/* ---- the probes (named as the Linux victims' are) ---- */
static void root_marker(const struct ctx *c, const char *a) {
	(void)a;
	value(has_token(c->rootmark, c->token) ? "jail-root" : "not-jail-root", c->rootmark);
}

static void dotdot(const struct ctx *c, const char *a) {
	(void)a;
	long r = S(SYS_chdir, "/");
	if (r < 0) return err(-r, "chdir /");
	for (int i = 0; i < 64; i++)
		if (S(SYS_chdir, "..") < 0) break;
	report_outside(has_token(c->marker, c->token), "chdir(..) x64 then open marker");
}

static void symlink_escape(const struct ctx *c, const char *a) {
	struct buf p = {{0}, 0};
	put(&p, c->links), put(&p, "/"), put(&p, a);
	report_outside(has_token(p.s, c->token), p.s);
}

static void chroot_escape(const struct ctx *c, const char *a) {
	struct buf d = {{0}, 0};
	(void)a;
	put(&d, c->scratch), put(&d, "/sjtest-chroot-fbsd-"), putnum(&d, S0(SYS_getpid));
	long r = S(SYS_mkdir, d.s, 0700);
	if (r < 0) return err(-r, "mkdir");
	S(SYS_chdir, "/");
	r = S(SYS_chroot, d.s);
	S(SYS_rmdir, d.s);
	if (r < 0) return err(-r, "chroot(x) refused");
	for (int i = 0; i < 64; i++)
		if (S(SYS_chdir, "..") < 0) break;
	r = S(SYS_chroot, ".");
	if (r < 0) return err(-r, "chroot(.) refused");
	report_outside(has_token(c->marker, c->token), "mkdir x; chroot x; chdir ../..; chroot .");
}

static void fd_escape(const struct ctx *c, const char *a) {
	unsigned char st[224]; /* struct stat (FreeBSD 12+); st_mode, a 16-bit mode_t, at offset 24 */
	char b[256];
	(void)a;
	long r = S(SYS_fstat, c->fd, st);
	if (r < 0) return err(-r, "inherited fd closed");
	if (((st[24] | st[25] << 8) & 0170000) != 0040000)
		return value("inside", "inherited fd is not the outside directory");
	const char *name = c->marker;
	for (const char *p = c->marker; *p; p++)
		if (*p == '/') name = p + 1;
	long fd = S(SYS_openat, c->fd, name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) return err(-fd, "openat(inherited fd, marker)");
	long n = S(SYS_read, fd, b, sizeof b - 1);
	S(SYS_close, fd);
	b[n > 0 ? n : 0] = 0;
	report_outside(find(b, c->token) != 0, "openat(inherited fd, marker)");
}

static void kill0(const struct ctx *c, const char *a) {
	(void)a;
	result(S(SYS_kill, c->sleeper, 0), "kill(sleeper, 0)");
}

static void ptrace_attach(const struct ctx *c, const char *a) {
	(void)a;
	long r = S(SYS_ptrace, PT_ATTACH, c->sleeper, 0, 0);
	if (r >= 0) S(SYS_ptrace, PT_DETACH, c->sleeper, 1, 0);
	result(r, "ptrace(PT_ATTACH, sleeper)");
}

/* uname(3) and gethostname(3) of FreeBSD's libc both read kern.hostname by __sysctl. */
static void host_name(const struct ctx *c, const char *a) {
	char name[256] = {0};
	int mib[2] = {1, 10};
	size_t n = sizeof name - 1;
	(void)c, (void)a;
	long r = S(SYS___sysctl, mib, 2, name, &n, 0, 0);
	if (r < 0) return err(-r, "sysctl kern.hostname");
	value(name, "");
}

static void socket_family(const struct ctx *c, const char *a) {
	long v[3] = {0, 0, 0};
	(void)c;
	for (int i = 0; i < 3 && *a; i++) {
		v[i] = atol_(a);
		while (*a && *a != ',') a++;
		if (*a) a++;
	}
	long fd = S(SYS_socket, v[0], v[1], v[2]);
	if (fd >= 0) S(SYS_close, fd);
	result(fd, "socket");
}

static void bind_check(const struct ctx *c, const char *a) {
	struct sin name;
	const char *ip = eq(a, "other") ? c->other_ip : a;
	long fd = bound_socket(SOCK_STREAM, ip, 0, &name);
	if (fd < 0) return err(-fd, ip);
	S(SYS_close, fd);
	value(name.len == sizeof name && name.family == AF_INET ? ip_text(&name) : "bad-sockaddr", ip);
}

static void connect_source(const struct ctx *c, const char *a) {
	struct sin lname, dst, src;
	uint32_t slen = sizeof src;
	long l = bound_socket(SOCK_STREAM, c->ip, 0, &lname);
	if (l < 0) return err(-l, "listener on the jail address");
	long r = S(SYS_listen, l, 4);
	if (r < 0) return err(-r, "listen");
	long s = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (s < 0) return err(-s, "socket");
	parse_ip(eq(a, "jail") ? c->ip : a, &dst, port_of(&lname));
	r = S(SYS_connect, s, &dst, sizeof dst);
	if (r < 0) return err(-r, "connect");
	S(SYS_getsockname, s, &src, &slen);
	value(ip_text(&src), "source of an unbound connect");
}

static void udp_source(const struct ctx *c, const char *a) {
	struct sin rname, from;
	uint32_t flen = sizeof from;
	char b[8];
	(void)a;
	long r = bound_socket(SOCK_DGRAM, c->ip, 0, &rname);
	if (r < 0) return err(-r, "receiver on the jail address");
	long s = S(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	if (s < 0) return err(-s, "socket");
	long x = S(SYS_sendto, s, "x", 1, 0, &rname, sizeof rname);
	if (x < 0) return err(-x, "sendto");
	if (wait_readable(r, 2000) <= 0) return value("lost", "nothing arrived in 2 s");
	x = S(SYS_recvfrom, r, b, sizeof b, 0, &from, &flen);
	if (x < 0) return err(-x, "recvfrom");
	value(ip_text(&from), "source of an unbound sendto");
}

static void listen_unbound(const struct ctx *c, const char *a) {
	struct sin name;
	uint32_t nlen = sizeof name;
	(void)c, (void)a;
	long s = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (s < 0) return err(-s, "socket");
	long r = S(SYS_listen, s, 1);
	if (r < 0) return S(SYS_close, s), err(-r, "listen");
	S(SYS_getsockname, s, &name, &nlen);
	S(SYS_close, s);
	value(ip_text(&name), "listen without bind");
}

static void loopback_service(const struct ctx *c, const char *a) {
	int udp = eq(a, "udp"), port = udp ? c->loop_udp : c->loop_tcp;
	struct sin dst;
	char b[80] = {0};
	if (!port) return emit("unproven", 0, "the runner has no service on 127.0.0.1");
	parse_ip("127.0.0.1", &dst, port);
	long s = S(SYS_socket, AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (s < 0) return err(-s, "socket");
	long r = udp ? S(SYS_sendto, s, "x", 1, 0, &dst, sizeof dst) : S(SYS_connect, s, &dst, sizeof dst);
	if (r < 0) return S(SYS_close, s), err(-r, udp ? "sendto(127.0.0.1)" : "connect(127.0.0.1)");
	long n = wait_readable(s, 1000) > 0 ? S(SYS_read, s, b, sizeof b - 1) : 0;
	S(SYS_close, s);
	if (n > 0 && find(b, c->token)) value("outside", "the host's 127.0.0.1 service answered");
	else value("unanswered", udp ? "no answer from 127.0.0.1" : "connected, no answer");
}

/* A FreeBSD sockaddr_un whose path starts with a NUL byte: FreeBSD has no abstract names; a layer that
 * copied the path as it is would hand Linux an abstract address of the host's. */
static void unix_abstract(const struct ctx *c, const char *a) {
	struct { uint8_t len, family; char path[104]; } sun;
	struct buf name = {{0}, 0};
	int dgram = eq(a, "dgram");
	if (!c->abstract) return emit("unproven", 0, "the runner saw no abstract socket of the sleeper");
	put(&name, "sjtest-"), put(&name, c->token);
	if (dgram) put(&name, "-dgram");
	for (size_t i = 0; i < sizeof sun; i++) ((char *)&sun)[i] = 0;
	for (size_t i = 0; i < name.n; i++) sun.path[1 + i] = name.s[i];
	sun.family = AF_UNIX, sun.len = (uint8_t)(2 + 1 + name.n);
	long s = S(SYS_socket, AF_UNIX, dgram ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (s < 0) return err(-s, "socket(AF_UNIX)");
	if (dgram) {
		long r = S(SYS_sendto, s, "x", 1, 0, &sun, sun.len);
		S(SYS_close, s);
		if (r < 0) return err(-r, "sendto(\\0sjtest-TOKEN-dgram)");
		return value("outside", "a datagram reached the host's abstract socket");
	}
	long r = S(SYS_connect, s, &sun, sun.len);
	if (r < 0) return S(SYS_close, s), err(-r, "connect(\\0sjtest-TOKEN)");
	char b[80] = {0};
	long n = wait_readable(s, 2000) > 0 ? S(SYS_read, s, b, sizeof b - 1) : 0;
	S(SYS_close, s);
	value(n > 0 && find(b, c->token) ? "outside" : "connected", "connected to the host's abstract socket");
}

/* The bind race without threads: a forked child flips the address in a shared page between the jail's
 * and another loopback address while the parent binds; the value is "never" or the forbidden address. */
static void race_bind(const struct ctx *c, const char *a) {
	struct sin good, bad, name;
	long n = atol_(a), ok_count = 0;
	if (n <= 0) n = 20000;
	struct sin *addr = (struct sin *)S(SYS_mmap, 0, 4096, PROT_RW, MAP_SHARED | MAP_ANON, -1, 0);
	if ((long)addr < 0 && (long)addr > -4096) return err(-(long)addr, "mmap");
	parse_ip(c->ip, &good, 0), parse_ip(c->other_ip, &bad, 0);
	*addr = good;
	long pid = S0(SYS_fork);
	if (pid < 0) return err(-pid, "fork");
	if (pid == 0) {
		volatile uint32_t *word = (volatile uint32_t *)addr->addr;
		uint32_t g = *(uint32_t *)good.addr, b = *(uint32_t *)bad.addr;
		for (;;) *word = b, *word = g;
	}
	const char *seen = "never";
	for (long i = 0; i < n && seen[0] == 'n'; i++) {
		long fd = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
		if (fd < 0) continue;
		if (S(SYS_bind, fd, addr, sizeof *addr) == 0) {
			uint32_t nlen = sizeof name;
			ok_count++;
			if (S(SYS_getsockname, fd, &name, &nlen) == 0 && *(uint32_t *)name.addr != *(uint32_t *)good.addr &&
			    *(uint32_t *)name.addr != 0)
				seen = ip_text(&name);
		}
		S(SYS_close, fd);
	}
	S(SYS_kill, pid, SIGKILL);
	S(SYS_wait4, pid, 0, 0, 0);
	struct buf d = {{0}, 0};
	putnum(&d, n), put(&d, " iterations, "), putnum(&d, ok_count), put(&d, " succeeded");
	value(seen, d.s);
}

static const struct { const char *name; void (*fn)(const struct ctx *, const char *); } probes[] = {
	{"root-marker", root_marker},
	{"dotdot", dotdot},
	{"symlink", symlink_escape},
	{"chroot-escape", chroot_escape},
	{"fd-escape", fd_escape},
	{"kill-sleeper", kill0},
	{"ptrace-sleeper", ptrace_attach},
	{"uname", host_name},
	{"gethostname", host_name},
	{"socket", socket_family},
	{"bind-check", bind_check},
	{"connect-source", connect_source},
	{"udp-source", udp_source},
	{"listen-unbound", listen_unbound},
	{"loopback-service", loopback_service},
	{"unix-abstract", unix_abstract},
	{"race-bind", race_bind},
};

/* ---- running one probe in a child ---- */
static void run_one(const struct ctx *c, const char *spec) {
	char id[128], name[128];
	const char *eqs = spec, *arg = "";
	struct buf line = {{0}, 0};
	while (*eqs && *eqs != '=') eqs++;
	size_t il = (size_t)(eqs - spec), nl = 0;
	if (!*eqs || il >= sizeof id) return out(1, "SJTEST\t?\terr\tEINVAL\tbad spec\n");
	for (size_t i = 0; i < il; i++) id[i] = spec[i];
	id[il] = 0;
	for (const char *p = eqs + 1; *p && *p != ':' && nl < sizeof name - 1; p++) name[nl++] = *p;
	name[nl] = 0;
	for (const char *p = eqs + 1; *p; p++)
		if (*p == ':') {
			arg = p + 1;
			break;
		}
	put(&line, "SJTEST\t"), put(&line, id), put(&line, "\t");
	int found = -1;
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
		if (eq(probes[i].name, name)) found = (int)i;
	if (found < 0) {
		put(&line, "skip\t-\tno probe "), put(&line, name), put(&line, " in this victim\n");
		return out(1, line.s);
	}
	int fds[2];
	long r = S(SYS_pipe2, fds, O_CLOEXEC);
	if (r < 0) return put(&line, "err\t"), put(&line, errno_name(-r)), put(&line, "\tpipe2\n"), out(1, line.s);
	long pid = S0(SYS_fork);
	if (pid < 0) return put(&line, "err\t"), put(&line, errno_name(-pid)), put(&line, "\tfork\n"), out(1, line.s);
	if (pid == 0) {
		S(SYS_close, fds[0]);
		report_fd = fds[1];
		probes[found].fn(c, arg);
		emit("err", "-", "probe made no report");
		S(SYS_exit, 0);
	}
	S(SYS_close, fds[1]);
	char got[600];
	long n = 0, waited = 0;
	for (;;) {
		long ready = wait_readable(fds[0], 1000);
		if (ready == -EINTR) continue;
		if (ready == 0) {
			if (++waited < 10) continue;
			S(SYS_kill, pid, SIGKILL);
			break;
		}
		long k = S(SYS_read, fds[0], got + n, sizeof got - 1 - (size_t)n);
		if (k <= 0) break;
		n += k;
		if (n >= (long)sizeof got - 1) break;
	}
	got[n] = 0;
	S(SYS_close, fds[0]);
	int status = 0;
	while (S(SYS_wait4, pid, &status, 0, 0) == -EINTR) {}
	if (n > 0) put(&line, got);
	else if (waited >= 10) put(&line, "timeout\t-\tno result in 10s\n");
	else if ((status & 0x7f) != 0 && (status & 0x7f) != 0x7f) {
		int sig = status & 0x7f;
		put(&line, "killed\t-\tSIG");
		put(&line, sig < (int)(sizeof signal_names / sizeof *signal_names) ? signal_names[sig] : "?");
		put(&line, "\n");
	} else {
		put(&line, "value\t-\texited-"), putnum(&line, (status >> 8) & 0xff), put(&line, " the probe exited without a report\n");
	}
	out(1, line.s);
}

__attribute__((used)) void victim_main(long *sp) {
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc >= 3 && eq(argv[1], "exit")) S(SYS_exit, atol_(argv[2]));
	if (argc < 2 || !eq(argv[1], "run")) {
		out(2, "usage: victim-freebsd run KEY=VALUE... -- ID=PROBE[:ARG]...\n");
		S(SYS_exit, 2);
	}
	struct ctx c = {"127.0.0.5", "127.0.0.9", "", "", "", "/.sjtest-root", "/tmp", "/sjtest", 0, 3, 0, 0, 0};
	int i = 2;
	for (; i < argc && !eq(argv[i], "--"); i++) {
		const char *kv = argv[i];
		const char *v = kv;
		while (*v && *v != '=') v++;
		if (!*v) continue;
		v++;
		if (starts(kv, "ip=")) c.ip = v;
		else if (starts(kv, "other=")) c.other_ip = v;
		else if (starts(kv, "hostname=")) c.hostname = v;
		else if (starts(kv, "token=")) c.token = v;
		else if (starts(kv, "sleeper=")) c.sleeper = atol_(v);
		else if (starts(kv, "marker=")) c.marker = v;
		else if (starts(kv, "rootmark=")) c.rootmark = v;
		else if (starts(kv, "scratch=")) c.scratch = v;
		else if (starts(kv, "links=")) c.links = v;
		else if (starts(kv, "fd=")) c.fd = (int)atol_(v);
		else if (starts(kv, "abstract=")) c.abstract = (int)atol_(v);
		else if (starts(kv, "looptcp=")) c.loop_tcp = (int)atol_(v);
		else if (starts(kv, "loopudp=")) c.loop_udp = (int)atol_(v);
	}
	for (i++; i < argc; i++) run_one(&c, argv[i]);
	out(1, "SJTEST-END\n");
	S(SYS_exit, 0);
	for (;;) {}
}

/* FreeBSD enters with %rdi pointing at argc (and %rsp there too). */
__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tand $-16, %rsp\n\tcall victim_main\n\thlt\n");

void *memset(void *d, int ch, size_t n) {
	unsigned char *p = d;
	while (n--) *p++ = (unsigned char)ch;
	return d;
}
void *memcpy(void *d, const void *s, size_t n) {
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--) *p++ = *q++;
	return d;
}
