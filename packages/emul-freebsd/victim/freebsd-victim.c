/*
 * freebsd-victim: a freestanding FreeBSD amd64 program (no libc, raw FreeBSD system calls, branded
 * OS/ABI 9 by the build) whose only job is to try what a jail refuses and say what FreeBSD answered.
 * One line per probe on stdout: "<probe> ok <detail>" or "<probe> errno <FreeBSD errno>".
 *
 *   freebsd-victim bind ADDR        socket(AF_INET), bind ADDR:0, getsockname → "bind ok A.B.C.D"
 *   freebsd-victim raw              socket(AF_INET, SOCK_RAW, ICMP)
 *   freebsd-victim hostname         kern.hostname by __sysctl
 *   freebsd-victim uname            kern.ostype, kern.osrelease, hw.machine, kern.hostname (libc's uname)
 *   freebsd-victim sethostname NAME kern.hostname written by __sysctl
 *   freebsd-victim jailed           security.jail.jailed by __sysctlbyname
 *   freebsd-victim nosys            ptrace(PT_TRACE_ME): not translated
 *   freebsd-victim mount            mount(2): refused by the FreeBSD jail policy
 *   freebsd-victim open PATH        open PATH read-only, read up to 64 bytes
 *   freebsd-victim kill PID SIG     kill(2)
 *   freebsd-victim getpid           getpid, getppid
 *   freebsd-victim exec PATH ARG... execve(2)
 *   freebsd-victim getpid-loop N    N getpid calls, their CPU time in ns (for the benchmark)
 *   freebsd-victim signal           a SIGUSR1 handler (SA_SIGINFO), kill(getpid(), SIGUSR1): the handler
 *                                   gets FreeBSD's signal number, siginfo and ucontext, returns by sigreturn
 *   freebsd-victim nosys-wait       ptrace 3 times, kldnext twice (untranslated), "waiting", then
 *                                   reads stdin until EOF
 *   freebsd-victim sysv             SysV IPC: a shared memory segment written and read back, a semaphore
 *                                   set to 2 and taken once (GETVAL 1), a message sent and received; each
 *                                   removed (IPC_RMID) → "sysv ok shm sem msg"; the first failure's errno
 */
#include <stddef.h>
#include <stdint.h>

/* FreeBSD's structure layouts (offsets and sizes), generated from freebsd/layouts.json. */
#include "../native/freebsd-layouts.h"

/* FreeBSD system call numbers (sys/kern/syscalls.master). */
enum {
	SYS_exit = 1, SYS_read = 3, SYS_write = 4, SYS_open = 5, SYS_close = 6, SYS_getpid = 20,
	SYS_mount = 21, SYS_ptrace = 26, SYS_kill = 37, SYS_getppid = 39, SYS_execve = 59, SYS_socket = 97,
	SYS_bind = 104, SYS_getsockname = 32, SYS_kldnext = 307, SYS_clock_gettime = 232, SYS_sigaction = 416, SYS___sysctl = 202, SYS___sysctlbyname = 570,
	SYS_semget = 221, SYS_semop = 222, SYS_msgget = 225, SYS_msgsnd = 226, SYS_msgrcv = 227, SYS_shmat = 228,
	SYS_shmdt = 230, SYS_shmget = 231, SYS___semctl = 510, SYS_msgctl = 511, SYS_shmctl = 512,
};
/* sys/ipc.h, sys/sem.h: IPC_CREAT, IPC_RMID; __semctl's GETVAL and SETVAL. */
enum { IPC_CREAT = 01000, IPC_RMID = 0, GETVAL = 5, SETVAL = 8 };

static long fsys(long n, long a, long b, long c, long d, long e, long f, int *err) {
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
	*err = carry ? (int)ret : 0;
	return carry ? -1 : ret;
}
#define F(n, a, b, c, d, e, f) fsys(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f), &err)

static size_t len(const char *s) {
	size_t n = 0;
	while (s[n]) n++;
	return n;
}
static int eq(const char *a, const char *b) {
	while (*a && *a == *b) a++, b++;
	return *a == *b;
}
static int e;
static void out(const char *s) { fsys(SYS_write, 1, (long)s, (long)len(s), 0, 0, 0, &e); }
static void num(long v) {
	char b[24];
	int i = 23;
	b[i] = 0;
	int neg = v < 0;
	if (neg) v = -v;
	do b[--i] = (char)('0' + v % 10); while ((v /= 10) && i > 1);
	if (neg) b[--i] = '-';
	out(b + i);
}
static long atol_(const char *s) {
	long v = 0, sign = 1;
	if (*s == '-') sign = -1, s++;
	while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
	return v * sign;
}
static void result(const char *probe, int err, const char *detail) {
	out(probe);
	if (err) {
		out(" errno ");
		num(err);
	} else {
		out(" ok");
		if (detail) {
			out(" ");
			out(detail);
		}
	}
	out("\n");
}

static int parse_ipv4(const char *s, unsigned char a[4]) {
	for (int i = 0; i < 4; i++) {
		long v = 0;
		if (*s < '0' || *s > '9') return -1;
		while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
		if (v > 255 || (i < 3 && *s++ != '.')) return -1;
		a[i] = (unsigned char)v;
	}
	return 0;
}
static void ipv4_text(const unsigned char a[4], char *b) {
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		char t[4];
		int k = 0, v = a[i];
		do t[k++] = (char)('0' + v % 10); while ((v /= 10));
		while (k) b[n++] = t[--k];
		if (i < 3) b[n++] = '.';
	}
	b[n] = 0;
}

static volatile int caught_signal, caught_code;
static volatile long caught_rip;
/* A FreeBSD SA_SIGINFO handler: (sig, siginfo_t *, ucontext_t *). */
static void on_usr1(int sig, void *si, void *uc) {
	caught_signal = sig;
	caught_code = *(int *)((char *)si + FBSD_SIGINFO_SI_CODE_OFFSET);
	caught_rip = *(long *)((char *)uc + FBSD_UCONTEXT_UC_MCONTEXT_OFFSET + FBSD_MCONTEXT_MC_RIP_OFFSET);
}

/* FreeBSD's struct sigaction. */
struct sigaction_ { void *sa_handler; int sa_flags; uint32_t sa_mask[4]; };
FBSD_CHECK_sigaction(struct sigaction_);

static int sysctl_str(int a, int b, char *buf, size_t cap) {
	int err, mib[2] = {a, b};
	size_t n = cap;
	fsys(SYS___sysctl, (long)mib, 2, (long)buf, (long)&n, 0, 0, &err);
	return err;
}

__attribute__((used)) void victim_main(long *sp) {
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	int err = 0;
	const char *cmd = argc > 1 ? argv[1] : "";
	char buf[256];
	if (eq(cmd, "bind") && argc > 2) {
		/* A struct sockaddr_in: sin_len, sin_family AF_INET (2), sin_port 0, sin_addr. */
		const int size = FBSD_SOCKADDR_IN_SIZE, addr = FBSD_SOCKADDR_IN_SIN_ADDR_OFFSET;
		unsigned char sa[FBSD_SOCKADDR_IN_SIZE] = {0};
		sa[FBSD_SOCKADDR_IN_SIN_LEN_OFFSET] = size, sa[FBSD_SOCKADDR_IN_SIN_FAMILY_OFFSET] = 2;
		if (parse_ipv4(argv[2], sa + addr) < 0) F(SYS_exit, 2, 0, 0, 0, 0, 0);
		long s = F(SYS_socket, 2, 1, 0, 0, 0, 0);
		if (s >= 0) F(SYS_bind, s, sa, size, 0, 0, 0);
		unsigned char got[FBSD_SOCKADDR_IN_SIZE] = {0};
		uint32_t glen = sizeof got;
		if (!err) F(SYS_getsockname, s, got, &glen, 0, 0, 0);
		if (!err) {
			ipv4_text(got + addr, buf);
			if (got[FBSD_SOCKADDR_IN_SIN_LEN_OFFSET] != size || got[FBSD_SOCKADDR_IN_SIN_FAMILY_OFFSET] != 2) buf[0] = '?';
		}
		result("bind", err, buf);
	} else if (eq(cmd, "raw")) {
		F(SYS_socket, 2, 3, 1, 0, 0, 0);
		result("raw", err, 0);
	} else if (eq(cmd, "hostname")) {
		result("hostname", sysctl_str(1, 10, buf, sizeof buf), buf);
	} else if (eq(cmd, "uname")) {
		char os[32], rel[32], mach[32], host[128];
		err = sysctl_str(1, 1, os, sizeof os);
		if (!err) err = sysctl_str(1, 2, rel, sizeof rel);
		if (!err) err = sysctl_str(6, 1, mach, sizeof mach);
		if (!err) err = sysctl_str(1, 10, host, sizeof host);
		out("uname");
		if (err) {
			out(" errno ");
			num(err);
		} else {
			out(" ok ");
			out(os), out(" "), out(rel), out(" "), out(mach), out(" "), out(host);
		}
		out("\n");
	} else if (eq(cmd, "sethostname") && argc > 2) {
		int mib[2] = {1, 10};
		F(SYS___sysctl, mib, 2, 0, 0, argv[2], len(argv[2]) + 1);
		result("sethostname", err, 0);
	} else if (eq(cmd, "jailed")) {
		int v = -1;
		size_t n = sizeof v;
		F(SYS___sysctlbyname, "security.jail.jailed", 20, &v, &n, 0, 0);
		char t[4] = {(char)('0' + (v & 7)), 0};
		result("jailed", err, t);
	} else if (eq(cmd, "nosys")) {
		F(SYS_ptrace, 0, 0, 0, 0, 0, 0);
		result("nosys", err, 0);
	} else if (eq(cmd, "mount")) {
		F(SYS_mount, "tmpfs", "/tmp", 0, 0, 0, 0);
		result("mount", err, 0);
	} else if (eq(cmd, "open") && argc > 2) {
		long fd = F(SYS_open, argv[2], 0, 0, 0, 0, 0);
		long n = 0;
		if (!err) n = F(SYS_read, fd, buf, 64, 0, 0, 0);
		if (!err) {
			buf[n > 0 ? n : 0] = 0;
			for (long i = 0; i < n; i++)
				if (buf[i] == '\n') buf[i] = ' ';
		}
		result("open", err, buf);
	} else if (eq(cmd, "kill") && argc > 3) {
		F(SYS_kill, atol_(argv[2]), atol_(argv[3]), 0, 0, 0, 0);
		result("kill", err, 0);
	} else if (eq(cmd, "getpid")) {
		long pid = F(SYS_getpid, 0, 0, 0, 0, 0, 0), ppid = F(SYS_getppid, 0, 0, 0, 0, 0, 0);
		out("getpid ok "), num(pid), out(" "), num(ppid), out("\n");
	} else if (eq(cmd, "exec") && argc > 2) {
		F(SYS_execve, argv[2], argv + 2, envp, 0, 0, 0);
		result("exec", err, 0);
	} else if (eq(cmd, "signal")) {
		struct sigaction_ sa = {(void *)on_usr1, 0x40 /* SA_SIGINFO */, {0}};
		F(SYS_sigaction, 30 /* SIGUSR1 */, &sa, 0, 0, 0, 0);
		long pid = F(SYS_getpid, 0, 0, 0, 0, 0, 0);
		if (!err) F(SYS_kill, pid, 30, 0, 0, 0, 0);
		out("signal");
		if (err) {
			out(" errno "), num(err);
		} else {
			/* SI_USER is 0x10001 on FreeBSD; the interrupted %rip was in this program (below 0x1000000). */
			out(" ok "), num(caught_signal), out(" "), num(caught_code);
			out(caught_rip > 0x400000 && caught_rip < 0x1000000 ? " rip-in-program" : " rip-elsewhere");
		}
		out("\n");
	} else if (eq(cmd, "nosys-wait")) {
		for (int i = 0; i < 3; i++) F(SYS_ptrace, 0, 0, 0, 0, 0, 0);
		for (int i = 0; i < 2; i++) F(SYS_kldnext, 0, 0, 0, 0, 0, 0);
		out("waiting\n");
		while (F(SYS_read, 0, buf, sizeof buf, 0, 0, 0) > 0) {}
		result("nosys-wait", 0, 0);
	} else if (eq(cmd, "sysv")) {
		long shm = F(SYS_shmget, 0, 4096, IPC_CREAT | 0600, 0, 0, 0);
		char *mem = err ? 0 : (char *)F(SYS_shmat, shm, 0, 0, 0, 0, 0);
		if (!err) {
			mem[0] = 'b', mem[1] = 0;
			F(SYS_shmdt, mem, 0, 0, 0, 0, 0);
		}
		if (!err) F(SYS_shmctl, shm, IPC_RMID, 0, 0, 0, 0);
		long sem = err ? -1 : F(SYS_semget, 0, 1, IPC_CREAT | 0600, 0, 0, 0);
		int two = 2;
		struct { unsigned short num; short op, flg; } down = {0, -1, 0};
		if (!err) F(SYS___semctl, sem, 0, SETVAL, &two, 0, 0);
		if (!err) F(SYS_semop, sem, &down, 1, 0, 0, 0);
		long val = err ? -1 : F(SYS___semctl, sem, 0, GETVAL, 0, 0, 0);
		if (!err) F(SYS___semctl, sem, 0, IPC_RMID, 0, 0, 0);
		long msq = err ? -1 : F(SYS_msgget, 0, IPC_CREAT | 0600, 0, 0, 0, 0);
		struct { long type; char text[8]; } msg = {1, "hi"}, got = {0, ""};
		if (!err) F(SYS_msgsnd, msq, &msg, 2, 0, 0, 0);
		long n = err ? -1 : F(SYS_msgrcv, msq, &got, sizeof got.text, 0, 0, 0);
		if (!err) F(SYS_msgctl, msq, IPC_RMID, 0, 0, 0, 0);
		if (!err && (val != 1 || n != 2 || got.text[0] != 'h')) err = 1000;
		result("sysv", err, "shm sem msg");
	} else if (eq(cmd, "getpid-loop") && argc > 2) {
		/* The loop's CPU time, on the thread's clock (FreeBSD CLOCK_THREAD_CPUTIME_ID 14), in ns. */
		long a[2], b[2];
		F(SYS_clock_gettime, 14, a, 0, 0, 0, 0);
		for (long i = atol_(argv[2]); i > 0; i--) fsys(SYS_getpid, 0, 0, 0, 0, 0, 0, &err);
		F(SYS_clock_gettime, 14, b, 0, 0, 0, 0);
		out("getpid-loop ok "), num((b[0] - a[0]) * 1000000000L + b[1] - a[1]), out("\n");
	} else {
		out("usage: freebsd-victim probe [arg ...]\n");
		F(SYS_exit, 2, 0, 0, 0, 0, 0);
	}
	F(SYS_exit, 0, 0, 0, 0, 0, 0);
	for (;;) {}
}

/* FreeBSD enters with %rdi pointing at argc (and %rsp there too). */
__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tand $-16, %rsp\n\tcall victim_main\n\thlt\n");

void *memset(void *d, int c, size_t n) {
	unsigned char *p = d;
	while (n--) *p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n) {
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--) *p++ = *q++;
	return d;
}
