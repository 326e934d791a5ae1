/*
 * sysjail-freebsd: runs a static FreeBSD amd64 program on Linux, in this process.
 *
 *   sysjail-freebsd PATH ARGV0 [ARG...]
 *
 * The same argv comes from the kernel's binfmt_misc (rule flags P and O, in a jail's own instance: see
 * @sysjail/core's sysjail-binfmt), which also hands over the program open (AT_EXECFD): then that file is
 * run, not PATH looked up again.
 *
 * Maps the FreeBSD ELF, builds FreeBSD's start-up stack, turns on Syscall User Dispatch with this
 * loader's own code as the only range allowed to make Linux system calls, and jumps to the program.
 * Every system call of the program then raises SIGSYS in its own thread; the handler translates it
 * (freebsd-abi.h, generated from @sysjail/emul-freebsd's TypeScript tables) and performs the Linux
 * calls itself, on its own copies of the arguments. Those Linux calls meet the jail's seccomp filter,
 * cgroup eBPF and Landlock like any Linux program's. A call without a translation fails with ENOSYS
 * (FreeBSD's 78) and is counted, never run as the Linux call of the same number.
 *
 * Not a security boundary by itself: the program can jump into this code. The jail's filter is.
 */
#include "loader-rt.h"

#include <asm/errno.h>
#include <asm/prctl.h>
#include <asm/signal.h>
#include <linux/auxvec.h>
#include <linux/elf.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/futex.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipc.h>
#include <linux/sem.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/tcp.h>
#include <linux/time.h>
#include <linux/uio.h>
#include <asm/socket.h>
#include <asm/termios.h>
#include <linux/un.h>

/* The address families (not exported by the UAPI headers). */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_CLOEXEC O_CLOEXEC
#define SOCK_NONBLOCK O_NONBLOCK
#define IPPROTO_IP_ 0
#define O_ASYNC FASYNC

/* ---- the call being translated ---- */

struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	void *fpstate;
	uint64_t reserved1[8];
};
struct linux_ucontext {
	unsigned long uc_flags;
	void *uc_link;
	struct { void *ss_sp; int ss_flags; size_t ss_size; } uc_stack;
	struct linux_sigcontext mc;
	uint64_t uc_sigmask;
};
struct linux_siginfo {
	int si_signo, si_errno, si_code, pad;
	union {
		struct { void *call_addr; int syscall; unsigned arch; } sys;
		struct { int pid; unsigned uid; long value; } kill;
		struct { void *addr; } fault;
		char bytes[112];
	} u;
};

struct call {
	long nr;
	long a[6];
	long rdx;     /* second result */
	int set_rdx;
	int ferrno;   /* a FreeBSD errno decided by the layer itself */
	int replaced; /* sigreturn: the context is the program's own, no result */
	struct linux_ucontext *uc;
};

/* Fails the call with a FreeBSD errno. */
static inline long fail(struct call *c, int ferrno) {
	c->ferrno = ferrno;
	return 0;
}

#define ARG(i) (c->a[i])

/* ---- per-thread state: at the base of the thread's alternate signal stack ---- */

#define ALTSTACK_SIZE (256 * 1024)
struct thread {
	long tid;
	/* The FreeBSD program's own sigaltstack (FreeBSD layout: sp, size, flags). */
	void *fss_sp;
	size_t fss_size;
	int fss_flags;
};
static inline struct thread *self(void) {
	return (struct thread *)((uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)(ALTSTACK_SIZE - 1));
}

static void *alloc_altstack(void);
static int start_thread_state(void *alt);
static long set_linux_action(int sig, void *handler, unsigned long flags, uint64_t mask);
static long ncpus(void);
__attribute__((noreturn)) static void jump_to(uintptr_t entry, uintptr_t sp, uintptr_t rdi);

/* ---- process state ---- */

static const char *program_path;   /* absolute, for kern.proc.pathname and AT_EXECPATH */
static char program_path_buf[4096];
static unsigned long usrstack;
static long untranslated[1024];    /* per FreeBSD number */
static long untranslated_total;

/*
 * The status page: what sjls -v shows of this process (core's LOADER_STATUS_ADDRESS contract): magic,
 * the emulation's name, the count of untranslated calls and up to 100 of them by name. Written here,
 * read by the host through /proc/PID/mem; the program could forge it, so it is for display only.
 */
#define STATUS_ADDRESS 0x5ffff000UL
struct status_entry { uint32_t nr; uint32_t count; char name[24]; };
struct status_page {
	char magic[8];
	char emulation[16];
	uint64_t total;
	uint32_t n, pad;
	struct status_entry e[100];
};
static struct status_page *status;
static int status_lock;

static long t_exit(struct call *c);
static int enable_dispatch(void);

#include "freebsd-abi.h"
#include "freebsd-layouts.h"

/* Structures that translations pass through unchanged ("same" in src/translation.ts: readv/writev,
 * gettimeofday, select, getrusage, wait4, TIOCGWINSZ, ...): Linux's layout is FreeBSD's. */
FBSD_CHECK_iovec(struct iovec);
FBSD_CHECK_timeval(struct timeval);
FBSD_CHECK_rusage(struct rusage);

/* ---- maps ---- */

static long fbsd_err(long r) {
	if (r >= 0 || r < -4095) return r;
	long e = -r;
	int f = e < (long)(sizeof fbsd_errno_of_linux / sizeof *fbsd_errno_of_linux) ? fbsd_errno_of_linux[e] : 0;
	return -(f ? f : FBSD_EINVAL);
}

static int linux_signal(long fsig) {
	if (fsig == 0) return 0;
	if (fsig > 0 && fsig < (long)(sizeof linux_signal_of_fbsd)) {
		int s = linux_signal_of_fbsd[fsig];
		if (s) return s;
	}
	if (fsig >= FBSD_SIGRTMIN && fsig < FBSD_SIGRTMIN + 30) return 34 + (int)(fsig - FBSD_SIGRTMIN);
	return -1;
}
static int fbsd_signal(int lsig) {
	if (lsig > 0 && lsig < (int)sizeof fbsd_signal_of_linux && fbsd_signal_of_linux[lsig])
		return fbsd_signal_of_linux[lsig];
	if (lsig >= 34 && lsig < 64) return FBSD_SIGRTMIN + lsig - 34;
	return lsig;
}

static long open_flags(long f, int *bad) {
	long out = 0;
	if (f & FBSD_O_REFUSED) *bad = 1;
	for (size_t i = 0; i < sizeof fbsd_open_flags / sizeof *fbsd_open_flags; i++)
		if (f & fbsd_open_flags[i].fbsd) out |= fbsd_open_flags[i].lnx;
	/* O_RDONLY is 0 on both; O_EXEC opens for execution (read is the nearest). */
	return out | O_LARGEFILE;
}
static long fbsd_open_flags_of(long l) {
	long out = 0;
	for (size_t i = 0; i < sizeof fbsd_open_flags / sizeof *fbsd_open_flags; i++)
		if (l & fbsd_open_flags[i].lnx) out |= fbsd_open_flags[i].fbsd;
	return out;
}
static long at_flags(long f) {
	long out = 0;
	for (size_t i = 0; i < sizeof fbsd_at_flags / sizeof *fbsd_at_flags; i++)
		if (f & fbsd_at_flags[i].fbsd) out |= fbsd_at_flags[i].lnx;
	return out;
}
static long fd_flags(long f) {
	long out = 0;
	if (f & FBSD_SOCK_CLOEXEC_OR_O_CLOEXEC) out |= O_CLOEXEC;
	if (f & FBSD_SOCK_NONBLOCK) out |= O_NONBLOCK;
	if (f & 0x4) out |= O_NONBLOCK; /* pipe2 takes O_NONBLOCK */
	if (f & 0x100000) out |= O_CLOEXEC; /* and O_CLOEXEC */
	return out;
}
static long linux_clock(long id) {
	if (id >= 0 && id < (long)sizeof linux_clock_of_fbsd && linux_clock_of_fbsd[id]) return linux_clock_of_fbsd[id] - 1;
	return -1;
}

static long convert(int kind, long v, int *bad) {
	switch (kind) {
	case CONV_OPEN_FLAGS: return open_flags(v, bad);
	case CONV_AT_FLAGS: return at_flags(v);
	case CONV_SIGNAL: { int s = linux_signal(v); if (s < 0) *bad = 1; return s; }
	case CONV_CLOCK: { long l = linux_clock(v); if (l < 0) *bad = 1; return l; }
	case CONV_FD_FLAGS: return fd_flags(v);
	default: return v;
	}
}

/* ---- signals: sigset conversion ---- */

static uint64_t linux_sigset(const uint32_t *fset) {
	uint64_t out = 0;
	for (int fs = 1; fs <= 126; fs++)
		if (fset[(fs - 1) / 32] & (1u << ((fs - 1) % 32))) {
			int ls = linux_signal(fs);
			if (ls > 0) out |= 1ull << (ls - 1);
		}
	return out;
}
static void fbsd_sigset(uint64_t lset, uint32_t *fset) {
	fset[0] = fset[1] = fset[2] = fset[3] = 0;
	for (int ls = 1; ls <= 64; ls++)
		if (lset & (1ull << (ls - 1))) {
			int fs = fbsd_signal(ls);
			if (fs > 0 && fs <= 128) fset[(fs - 1) / 32] |= 1u << ((fs - 1) % 32);
		}
}
/* SIGSYS, SIGSEGV and friends must never be blocked in the program's mask: they carry the layer. */
#define NEVER_BLOCKED ((1ull << (SIGSYS - 1)) | (1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) | \
		       (1ull << (SIGILL - 1)) | (1ull << (SIGFPE - 1)))

#include "freebsd-signals.c"
#include "freebsd-files.c"
#include "freebsd-net.c"
#include "freebsd-threads.c"
#include "freebsd-sysctl.c"

/* ---- process calls ---- */

static void write_report(void);

static long t_exit(struct call *c) {
	write_report();
	sc1(__NR_exit_group, ARG(0));
	return 0;
}

static long t_fork(struct call *c) {
	long r = sc5(__NR_clone, SIGCHLD, 0, 0, 0, 0);
	if (r == 0) {
		/* Syscall User Dispatch is not inherited: the child turns it on again before returning. */
		if (enable_dispatch() < 0) sc1(__NR_exit_group, 127);
		self()->tid = sc0(__NR_gettid);
		c->rdx = 1;
	} else {
		c->rdx = 0;
	}
	c->set_rdx = 1;
	return r;
}

static long t_wait4(struct call *c) {
	long opt = ARG(2), lopt = opt & 3; /* WNOHANG, WUNTRACED */
	if (opt & 4) lopt |= 8;             /* WCONTINUED */
	if (opt & 8) lopt |= 0x1000000;     /* WNOWAIT */
	long r = sc4(__NR_wait4, ARG(0), ARG(1), lopt, ARG(3));
	if (r > 0 && ARG(1)) {
		int *st = (int *)ARG(1);
		/* A status of death by signal carries the signal number: FreeBSD's. */
		int s = *st & 0x7f;
		if (s != 0 && s != 0x7f) *st = (*st & ~0x7f) | fbsd_signal(s);
		else if (s == 0x7f) *st = (*st & 0xff) | (fbsd_signal((*st >> 8) & 0xff) << 8);
	}
	return r;
}

/* FreeBSD's own programs are run through this loader again; anything else is exec'd as it is. */
static int is_freebsd_program(const char *path);
static long t_execve(struct call *c) {
	const char *path = (const char *)ARG(0);
	char **argv = (char **)ARG(1), **envp = (char **)ARG(2);
	if (!is_freebsd_program(path)) return sc3(__NR_execve, path, argv, envp);
	long n = 0;
	while (argv && argv[n]) n++;
	if (n > 4096) return -E2BIG;
	char **nargv = (char **)sc6(__NR_mmap, 0, (n + 4) * sizeof(char *), PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((long)nargv < 0 && (long)nargv > -4096) return (long)nargv;
	nargv[0] = "sysjail-freebsd";
	nargv[1] = (char *)path;
	for (long i = 0; i < n; i++) nargv[2 + i] = argv[i];
	if (n == 0) nargv[2 + n++] = (char *)path;
	nargv[2 + n] = 0;
	write_report();
	long r = sc3(__NR_execve, "/proc/self/exe", nargv, envp);
	sc2(__NR_munmap, nargv, (n + 4) * sizeof(char *));
	return r;
}

static long t_getdtablesize(struct call *c) {
	(void)c;
	struct rlimit64 lim;
	long r = sc4(__NR_prlimit64, 0, RLIMIT_NOFILE, 0, &lim);
	return r < 0 ? r : (long)(lim.rlim_cur > 0x7fffffff ? 0x7fffffff : lim.rlim_cur);
}

#define FBSD_RLIM_INFINITY 0x7fffffffffffffffL
/* FreeBSD's struct rlimit: signed 64-bit limits (Linux's are unsigned, infinity differs). */
struct fbsd_rlimit { int64_t rlim_cur, rlim_max; };
FBSD_CHECK_rlimit(struct fbsd_rlimit);
static long linux_rlimit(long r) {
	if (r >= 0 && r < (long)sizeof linux_rlimit_of_fbsd && linux_rlimit_of_fbsd[r]) return linux_rlimit_of_fbsd[r] - 1;
	return -1;
}
static long t_getrlimit(struct call *c) {
	long res = linux_rlimit(ARG(0));
	if (res < 0) return -EINVAL;
	struct rlimit64 lim;
	long r = sc4(__NR_prlimit64, 0, res, 0, &lim);
	if (r < 0) return r;
	struct fbsd_rlimit *out = (struct fbsd_rlimit *)ARG(1);
	out->rlim_cur = lim.rlim_cur >= (uint64_t)FBSD_RLIM_INFINITY ? FBSD_RLIM_INFINITY : (int64_t)lim.rlim_cur;
	out->rlim_max = lim.rlim_max >= (uint64_t)FBSD_RLIM_INFINITY ? FBSD_RLIM_INFINITY : (int64_t)lim.rlim_max;
	return 0;
}
static long t_setrlimit(struct call *c) {
	long res = linux_rlimit(ARG(0));
	if (res < 0) return -EINVAL;
	const struct fbsd_rlimit *in = (const struct fbsd_rlimit *)ARG(1);
	struct rlimit lim = {
		.rlim_cur = in->rlim_cur == FBSD_RLIM_INFINITY ? RLIM_INFINITY : (unsigned long)in->rlim_cur,
		.rlim_max = in->rlim_max == FBSD_RLIM_INFINITY ? RLIM_INFINITY : (unsigned long)in->rlim_max,
	};
	return sc2(__NR_setrlimit, res, &lim);
}

static long t_issetugid(struct call *c) { (void)c; return 0; }
static long t_setegid(struct call *c) { return sc3(__NR_setresgid, -1, ARG(0), -1); }
static long t_seteuid(struct call *c) { return sc3(__NR_setresuid, -1, ARG(0), -1); }
static long t_sched_getcpu(struct call *c) {
	(void)c;
	unsigned cpu = 0;
	long r = sc3(__NR_getcpu, &cpu, 0, 0);
	return r < 0 ? r : (long)cpu;
}
static long t_sigfastblock(struct call *c) { (void)c; return -ENOSYS; }
static long t_reboot(struct call *c) {
	(void)c;
	/* The jail's supervisor turns reboot(2) into a jail shutdown; the magic is Linux's. */
	return sc4(__NR_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0);
}

static long t_cpuset_getaffinity(struct call *c) {
	/* (level, which, id, size, mask): the calling process's or thread's CPUs. */
	size_t size = (size_t)ARG(3);
	unsigned char *mask = (unsigned char *)ARG(4);
	unsigned char buf[128];
	memset(buf, 0, sizeof buf);
	long r = sc3(__NR_sched_getaffinity, 0, sizeof buf, buf);
	if (r < 0) return r;
	memset(mask, 0, size);
	memcpy(mask, buf, size < sizeof buf ? size : sizeof buf);
	return 0;
}
static long t_cpuset_setaffinity(struct call *c) {
	return sc3(__NR_sched_setaffinity, 0, ARG(3), ARG(4));
}

/* ---- memory ---- */

static long t_mmap(struct call *c) {
	long f = ARG(3), lf = 0, prot = ARG(2);
	for (size_t i = 0; i < sizeof fbsd_mmap_flags / sizeof *fbsd_mmap_flags; i++)
		if (f & fbsd_mmap_flags[i].fbsd) lf |= fbsd_mmap_flags[i].lnx;
	if (f & FBSD_MAP_GUARD) {
		lf |= MAP_ANONYMOUS | MAP_PRIVATE | MAP_NORESERVE;
		prot = PROT_NONE;
	}
	if ((f & FBSD_MAP_EXCL) && (f & 0x10)) lf = (lf & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
	/* FreeBSD honours an address hint like Linux; MAP_ALIGNED (bits 24-31) has no Linux flag. */
	if (!(lf & (MAP_SHARED | MAP_PRIVATE))) lf |= MAP_PRIVATE;
	long fd = (lf & MAP_ANONYMOUS) ? -1 : ARG(4);
	long r = sc6(__NR_mmap, ARG(0), ARG(1), prot, lf, fd, ARG(5));
	if (r == -EEXIST) return -ENOMEM;
	return r;
}
static long t_madvise(struct call *c) {
	long a = ARG(2);
	if (a < 0 || a >= (long)sizeof linux_madvise_of_fbsd || !linux_madvise_of_fbsd[a]) return -EINVAL;
	long r = sc3(__NR_madvise, ARG(0), ARG(1), linux_madvise_of_fbsd[a] - 1);
	return r == -EINVAL && a == 5 ? 0 : r;
}
/* SysV IPC control, the commands without a structure (linux_ipc_command_of_fbsd); others EINVAL. */
static long linux_ipc_command(long cmd) {
	if (cmd >= 0 && cmd < (long)sizeof linux_ipc_command_of_fbsd && linux_ipc_command_of_fbsd[cmd])
		return linux_ipc_command_of_fbsd[cmd] - 1;
	return -1;
}
static long t_shmctl(struct call *c) {
	return linux_ipc_command(ARG(1)) == IPC_RMID ? sc3(__NR_shmctl, ARG(0), IPC_RMID, 0) : -EINVAL;
}
static long t_msgctl(struct call *c) {
	return linux_ipc_command(ARG(1)) == IPC_RMID ? sc3(__NR_msgctl, ARG(0), IPC_RMID, 0) : -EINVAL;
}
static long t___semctl(struct call *c) {
	long cmd = linux_ipc_command(ARG(2));
	if (cmd < 0) return -EINVAL;
	if (cmd != SETVAL) return sc4(__NR_semctl, ARG(0), ARG(1), cmd, 0);
	/* FreeBSD passes a pointer to union semun; Linux takes the union by value: read val once. */
	int val;
	if (!ARG(3)) return -EFAULT;
	memcpy(&val, (const void *)ARG(3), sizeof val);
	return sc4(__NR_semctl, ARG(0), ARG(1), SETVAL, val);
}

static long t_msync(struct call *c) {
	/* FreeBSD MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 0. */
	long f = ARG(2), lf = (f & 1) ? MS_ASYNC : MS_SYNC;
	if (f & 2) lf |= MS_INVALIDATE;
	return sc3(__NR_msync, ARG(0), ARG(1), lf);
}

/* ---- the status page ---- */

static void open_status_page(void) {
	long m = sc6(__NR_mmap, STATUS_ADDRESS, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != (long)STATUS_ADDRESS) return;
	status = (struct status_page *)m;
	memcpy(status->emulation, "freebsd", 8);
	memcpy(status->magic, "SJLOADR1", 8);
}

static void count_untranslated(long nr) {
	if (!status) return;
	__atomic_fetch_add(&status->total, 1, __ATOMIC_RELAXED);
	while (__atomic_exchange_n(&status_lock, 1, __ATOMIC_ACQUIRE)) sc0(__NR_sched_yield);
	uint32_t i = 0;
	while (i < status->n && status->e[i].nr != (uint32_t)nr) i++;
	if (i == status->n && i < sizeof status->e / sizeof *status->e) {
		status->e[i].nr = (uint32_t)nr;
		const char *name = nr >= 0 && nr < FBSD_NSYSCALLS && fbsd_syscall_names[nr] ? fbsd_syscall_names[nr] : "";
		size_t k = 0;
		for (; k < sizeof status->e[i].name - 1 && name[k]; k++) status->e[i].name[k] = name[k];
		status->e[i].name[k] = 0;
		__atomic_store_n(&status->n, i + 1, __ATOMIC_RELEASE);
	}
	if (i < status->n) status->e[i].count++;
	__atomic_store_n(&status_lock, 0, __ATOMIC_RELEASE);
}

/* ---- the dispatcher ---- */

static long traced[1024];
static int trace_untranslated;

static long dispatch(struct call *c) {
	long nr = c->nr;
	if (trace_untranslated > 1) traced[nr >= 0 && nr < 1024 ? nr : 1023]++;
	if (nr < 0 || nr >= FBSD_NSYSCALLS) goto untranslated;
	if (fbsd_policy_errno[nr]) return fail(c, fbsd_policy_errno[nr]);
	const struct translation *t = &fbsd_translations[nr];
	if (t->handler) return fbsd_err(t->handler(c));
	if (t->present) {
		long a[6];
		int bad = 0;
		for (int i = 0; i < 6; i++) a[i] = convert(t->conv[i], c->a[i], &bad);
		if (bad) return fail(c, FBSD_EINVAL);
		return fbsd_err(sc6(t->linux_nr, a[0], a[1], a[2], a[3], a[4], a[5]));
	}
untranslated:
	untranslated_total++;
	untranslated[nr >= 0 && nr < 1024 ? nr : 1023]++;
	count_untranslated(nr);
	return fail(c, FBSD_ENOSYS);
}

static void on_sigsys(int sig, struct linux_siginfo *si, void *ctx) {
	(void)sig;
	(void)si;
	struct linux_ucontext *uc = ctx;
	struct call c = {
		.nr = (long)uc->mc.rax,
		.a = {(long)uc->mc.rdi, (long)uc->mc.rsi, (long)uc->mc.rdx, (long)uc->mc.r10, (long)uc->mc.r8, (long)uc->mc.r9},
		.uc = uc,
	};
	/* syscall(2) and __syscall(2): the number in the first argument. */
	if (c.nr == 0 || c.nr == 198) {
		c.nr = c.a[0];
		for (int i = 0; i < 5; i++) c.a[i] = c.a[i + 1];
		c.a[5] = ((long *)uc->mc.rsp)[1];
	}
	long r = dispatch(&c);
	if (c.replaced) return;
	if (c.ferrno) r = -c.ferrno;
	if (r < 0 && r > -4096) {
		uc->mc.rax = (uint64_t)-r;
		uc->mc.eflags |= 1; /* carry: an error */
	} else {
		uc->mc.rax = (uint64_t)r;
		uc->mc.eflags &= ~1ull;
		if (c.set_rdx) uc->mc.rdx = (uint64_t)c.rdx;
	}
}

/* ---- the trace: untranslated calls at exit ---- */

static void put_num(char *buf, size_t *n, long v) {
	char tmp[24];
	int k = 0;
	if (v < 0) { buf[(*n)++] = '-'; v = -v; }
	do tmp[k++] = (char)('0' + v % 10); while ((v /= 10) && k < 23);
	while (k) buf[(*n)++] = tmp[--k];
}
static void put_str(char *buf, size_t *n, const char *s) {
	while (*s) buf[(*n)++] = *s++;
}

/* With SYSJAIL_FREEBSD_TRACE set: one line on stderr at exit and exec, the untranslated calls and their
 * counts. */
static void write_report(void) {
	if (trace_untranslated > 1) {
		/* SYSJAIL_FREEBSD_TRACE=all: every call, translated or not. */
		char buf[8192];
		size_t n = 0;
		put_str(buf, &n, "sysjail-freebsd: calls");
		for (int i = 0; i < 1024 && n < sizeof buf - 96; i++)
			if (traced[i]) {
				buf[n++] = ' ';
				put_str(buf, &n, i < FBSD_NSYSCALLS && fbsd_syscall_names[i] ? fbsd_syscall_names[i] : "?");
				buf[n++] = '=';
				put_num(buf, &n, traced[i]);
			}
		buf[n++] = '\n';
		sc3(__NR_write, 2, buf, n);
	}
	if (!untranslated_total || !trace_untranslated) return;
	char buf[4096];
	size_t n = 0;
	put_str(buf, &n, "sysjail-freebsd: untranslated");
	for (int i = 0; i < 1024 && n < sizeof buf - 96; i++)
		if (untranslated[i]) {
			buf[n++] = ' ';
			put_str(buf, &n, i < FBSD_NSYSCALLS && fbsd_syscall_names[i] ? fbsd_syscall_names[i] : "?");
			buf[n++] = '(';
			put_num(buf, &n, i);
			put_str(buf, &n, ")=");
			put_num(buf, &n, untranslated[i]);
		}
	buf[n++] = '\n';
	if (trace_untranslated) sc3(__NR_write, 2, buf, n);
}

/* ---- loading ---- */

extern char __executable_start[], __etext[];

static int enable_dispatch(void) {
	uintptr_t lo = (uintptr_t)__executable_start, hi = (uintptr_t)__etext;
	return (int)sc5(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, lo, hi - lo, 0);
}

static void die(const char *what, const char *why) {
	say("sysjail-freebsd: ");
	say(what);
	say(": ");
	say(why);
	say("\n");
	sc1(__NR_exit_group, 1);
}

struct elf_note_hdr { uint32_t namesz, descsz, type; };

/* EI_OSABI 9, or a FreeBSD ABI note in a PT_NOTE segment within the first 4 KiB. */
static int freebsd_branded(const unsigned char *h, long n) {
	if (n < 64 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') return 0;
	if (h[EI_OSABI] == 9) return 1;
	if (h[EI_OSABI] != 0) return 0;
	if (h[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *e = (const void *)h;
		for (int i = 0; i < e->e_phnum; i++) {
			uint64_t o = e->e_phoff + (uint64_t)i * e->e_phentsize;
			if (o + sizeof(Elf64_Phdr) > (uint64_t)n) return 0;
			const Elf64_Phdr *p = (const void *)(h + o);
			if (p->p_type != PT_NOTE) continue;
			for (uint64_t q = p->p_offset; q + 12 <= p->p_offset + p->p_filesz && q + 20 <= (uint64_t)n;) {
				const struct elf_note_hdr *nh = (const void *)(h + q);
				if (nh->type == 1 && nh->namesz == 8 && memcmp(h + q + 12, "FreeBSD", 8) == 0) return 1;
				q += 12 + ((nh->namesz + 3) & ~3u) + ((nh->descsz + 3) & ~3u);
			}
		}
	}
	return 0;
}

static int is_freebsd_program(const char *path) {
	unsigned char h[4096];
	long fd = sc4(__NR_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) return 0;
	long n = sc4(__NR_pread64, fd, h, sizeof h, 0);
	sc1(__NR_close, fd);
	return n > 0 && freebsd_branded(h, n);
}

/* Maps the program; returns its entry point and fills phdr/phnum. */
/* Maps the program open on fd (closed after), named path in messages. */
static uintptr_t map_program(long fd, const char *path, uintptr_t *phdr, long *phnum, long *phent) {
	unsigned char h[4096];
	long n = sc4(__NR_pread64, fd, h, sizeof h, 0);
	if (n < 64 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') die(path, "not an ELF executable");
	if (!freebsd_branded(h, n)) die(path, "not a FreeBSD program (no FreeBSD OS/ABI brand or ABI note)");
	if (h[EI_CLASS] != ELFCLASS64)
		die(path, "a 32-bit (i386) FreeBSD program; only static FreeBSD amd64 programs run");
	const Elf64_Ehdr *e = (const void *)h;
	if (e->e_machine != EM_X86_64) die(path, "not an amd64 program; only static FreeBSD amd64 programs run");
	if (e->e_phoff + (uint64_t)e->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)n) die(path, "program headers beyond 4 KiB");
	const Elf64_Phdr *ph = (const void *)(h + e->e_phoff);
	uintptr_t base = 0;
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			die(path, "dynamically linked against FreeBSD's libc (needs ld-elf.so.1); only static FreeBSD amd64 programs run");
	if (e->e_type == ET_DYN) base = 0x200000000ul; /* a static PIE: anywhere free */
	else if (e->e_type != ET_EXEC) die(path, "not an executable");
	*phdr = 0;
	for (int i = 0; i < e->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type == PT_PHDR) *phdr = base + p->p_vaddr;
		if (p->p_type != PT_LOAD || p->p_memsz == 0) continue;
		int prot = (p->p_flags & PF_R ? PROT_READ : 0) | (p->p_flags & PF_W ? PROT_WRITE : 0) |
			   (p->p_flags & PF_X ? PROT_EXEC : 0);
		uintptr_t va = base + p->p_vaddr, start = va & ~0xfffUL, off = p->p_offset & ~0xfffUL;
		uintptr_t file_end = va + p->p_filesz, mem_end = va + p->p_memsz;
		if (p->p_filesz) {
			long r = sc6(__NR_mmap, start, file_end - start, prot | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, off);
			if (r != (long)start) die(path, "cannot map a segment (address in use or out of memory)");
			if (!*phdr && e->e_phoff >= p->p_offset && e->e_phoff < p->p_offset + p->p_filesz)
				*phdr = va + (e->e_phoff - p->p_offset);
			uintptr_t page_end = (file_end + 0xfff) & ~0xfffUL;
			if (mem_end > file_end) memset((void *)file_end, 0, (page_end < mem_end ? page_end : mem_end) - file_end);
			if (mem_end > page_end) {
				r = sc6(__NR_mmap, page_end, mem_end - page_end, prot | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
				if (r != (long)page_end) die(path, "cannot map bss");
			}
			sc3(__NR_mprotect, start, ((mem_end + 0xfff) & ~0xfffUL) - start, prot);
		} else {
			long r = sc6(__NR_mmap, start, ((mem_end + 0xfff) & ~0xfffUL) - start, prot,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (r != (long)start) die(path, "cannot map a segment");
		}
	}
	sc1(__NR_close, fd);
	*phnum = e->e_phnum;
	*phent = e->e_phentsize;
	return base + e->e_entry;
}

static void *alloc_altstack(void) {
	long m = sc6(__NR_mmap, 0, 2 * ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096) return 0;
	uintptr_t a = ((uintptr_t)m + ALTSTACK_SIZE - 1) & ~(uintptr_t)(ALTSTACK_SIZE - 1);
	return (void *)a;
}

/* Gives this thread its alternate stack (per-thread state at its base) and its tid. */
static int start_thread_state(void *alt) {
	struct thread *t = alt;
	memset(t, 0, sizeof *t);
	t->tid = sc0(__NR_gettid);
	struct { void *sp; int flags; size_t size; } ss = {(char *)alt + sizeof *t, 0, ALTSTACK_SIZE - sizeof *t};
	return (int)sc2(__NR_sigaltstack, &ss, 0);
}

extern void restore_rt(void);
__asm__(".text\n.globl restore_rt\nrestore_rt:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static long set_linux_action(int sig, void *handler, unsigned long flags, uint64_t mask) {
	struct kernel_sigaction a = {handler, flags | SA_RESTORER, restore_rt, mask};
	return sc4(__NR_rt_sigaction, sig, &a, 0, 8);
}

static int has_slash(const char *s) {
	for (; *s; s++)
		if (*s == '/') return 1;
	return 0;
}

static const char *getenv_(char **envp, const char *name) {
	size_t n = str_len(name);
	for (; *envp; envp++)
		if (str_eqn(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
	return 0;
}

/* Jumps to entry with sp as the stack and %rdi pointing at argc (FreeBSD's exec_setregs); the other
 * registers zero but %r11, which carries the entry. */
__attribute__((noreturn)) static void jump_to(uintptr_t entry, uintptr_t sp, uintptr_t rdi) {
	register uintptr_t r11 __asm__("r11") = entry;
	register uintptr_t rd __asm__("rdi") = rdi;
	register uintptr_t rs __asm__("rsi") = sp;
	__asm__ volatile(
		"mov %%rsi, %%rsp\n\t"
		"xor %%eax, %%eax\n\txor %%ebx, %%ebx\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"
		"xor %%esi, %%esi\n\txor %%ebp, %%ebp\n\txor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\t"
		"xor %%r10d, %%r10d\n\txor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\t"
		"xor %%r14d, %%r14d\n\txor %%r15d, %%r15d\n\t"
		"jmp *%%r11\n" ::"r"(r11), "r"(rd), "r"(rs) : "memory");
	__builtin_unreachable();
}

/* FreeBSD auxv types (sys/elf_common.h). */
enum { FAT_NULL = 0, FAT_PHDR = 3, FAT_PHENT = 4, FAT_PHNUM = 5, FAT_PAGESZ = 6, FAT_BASE = 7, FAT_FLAGS = 8,
       FAT_ENTRY = 9, FAT_UID = 11, FAT_EUID = 12, FAT_GID = 13, FAT_EGID = 14, FAT_EXECPATH = 15,
       FAT_OSRELDATE = 18, FAT_NCPUS = 19, FAT_PAGESIZES = 20, FAT_PAGESIZESLEN = 21, FAT_STACKPROT = 23,
       FAT_ARGC = 28, FAT_ARGV = 29, FAT_ENVC = 30, FAT_ENVV = 31 };

static long ncpus(void) {
	unsigned char buf[128];
	long r = sc3(__NR_sched_getaffinity, 0, sizeof buf, buf), n = 0;
	for (long i = 0; i < r; i++)
		for (unsigned b = buf[i]; b; b &= b - 1) n++;
	return n ? n : 1;
}

__attribute__((used)) void loader_main(long *sp) {
	long argc = sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	if (argc < 3) {
		say("usage: sysjail-freebsd path argv0 [arg ...]\n");
		sc1(__NR_exit_group, 2);
	}
	const char *trace = getenv_(envp, "SYSJAIL_FREEBSD_TRACE");
	trace_untranslated = trace ? (str_eq(trace, "all") ? 2 : 1) : 0;
	const char *path = argv[1];
	/* Started by binfmt_misc (flags P and O): argv is the same (interpreter, the name given to execve, the
	 * program's argv[0], ...) and the kernel hands over the program open, AT_EXECFD in the auxv. */
	long execfd = -1;
	{
		char **e = envp;
		while (*e) e++;
		for (unsigned long *av = (unsigned long *)(e + 1); av[0] != 0; av += 2)
			if (av[0] == AT_EXECFD) execfd = (long)av[1];
	}
	/* A bare name is looked up in PATH, as execvp does (not when the kernel found the file already). */
	static char found[4096];
	if (execfd < 0 && !has_slash(path)) {
		const char *p = getenv_(envp, "PATH");
		if (!p) p = "/bin:/usr/bin:/sbin:/usr/sbin:/usr/local/bin";
		while (*p) {
			size_t n = 0;
			while (p[n] && p[n] != ':') n++;
			size_t k = str_len(path);
			if (n + k + 2 <= sizeof found) {
				memcpy(found, n ? p : ".", n ? n : 1);
				size_t m = n ? n : 1;
				found[m] = '/';
				memcpy(found + m + 1, path, k + 1);
				if (sc4(__NR_faccessat, AT_FDCWD, found, 1 /* X_OK */, 0) == 0) {
					path = found;
					break;
				}
			}
			p += n;
			if (*p == ':') p++;
		}
		if (path != found) die(path, "not found");
	}
	if (path[0] == '/') program_path = path;
	else {
		long n = sc2(__NR_getcwd, program_path_buf, sizeof program_path_buf - str_len(path) - 2);
		if (n > 0) {
			size_t k = str_len(program_path_buf);
			if (k && program_path_buf[k - 1] != '/') program_path_buf[k++] = '/';
			memcpy(program_path_buf + k, path, str_len(path) + 1);
			program_path = program_path_buf;
		} else program_path = path;
	}

	uintptr_t phdr;
	long phnum, phent;
	if (execfd < 0) {
		execfd = sc4(__NR_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
		if (execfd < 0) die(path, execfd == -ENOENT ? "not found" : "cannot open");
	}
	uintptr_t entry = map_program(execfd, path, &phdr, &phnum, &phent);
	open_status_page();

	/* The translator: SIGSYS on an alternate stack, every other signal blocked while it runs. */
	void *alt = alloc_altstack();
	if (!alt || start_thread_state(alt) < 0) die(path, "cannot set up the signal stack");
	if (set_linux_action(SIGSYS, (void *)on_sigsys, SA_SIGINFO | SA_ONSTACK | SA_NODEFER, ~NEVER_BLOCKED) < 0)
		die(path, "cannot install the SIGSYS handler");
	init_signals();

	/* FreeBSD's start-up stack below ours: argc, argv, envp, auxv, then the strings. */
	long nenv = 0;
	while (envp[nenv]) nenv++;
	long pargc = argc - 2;
	char **pargv = argv + 2;
	long words = 1 + pargc + 1 + nenv + 1 + 2 * 24;
	uintptr_t top = ((uintptr_t)sp - 65536) & ~0xfUL;
	usrstack = (uintptr_t)sp;
	size_t plen = str_len(program_path) + 1;
	char *strings = (char *)(top - ((plen + 15) & ~15UL));
	memcpy(strings, program_path, plen);
	long *nsp = (long *)(((uintptr_t)strings - words * 8 - 64) & ~0xfUL);
	long *w = nsp;
	*w++ = pargc;
	char **fargv = (char **)w;
	for (long i = 0; i < pargc; i++) *w++ = (long)pargv[i];
	*w++ = 0;
	char **fenvp = (char **)w;
	for (long i = 0; i < nenv; i++) *w++ = (long)envp[i];
	*w++ = 0;
	static unsigned long pagesizes[3] = {4096, 2 * 1024 * 1024, 1024 * 1024 * 1024};
#define AUX(t, v) (*w++ = (t), *w++ = (long)(v))
	AUX(FAT_PHDR, phdr);
	AUX(FAT_PHENT, phent);
	AUX(FAT_PHNUM, phnum);
	AUX(FAT_PAGESZ, 4096);
	AUX(FAT_BASE, 0);
	AUX(FAT_FLAGS, 0);
	AUX(FAT_ENTRY, entry);
	AUX(FAT_UID, sc0(__NR_getuid));
	AUX(FAT_EUID, sc0(__NR_geteuid));
	AUX(FAT_GID, sc0(__NR_getgid));
	AUX(FAT_EGID, sc0(__NR_getegid));
	AUX(FAT_EXECPATH, strings);
	AUX(FAT_OSRELDATE, FBSD_OSRELDATE);
	AUX(FAT_NCPUS, ncpus());
	AUX(FAT_PAGESIZES, pagesizes);
	AUX(FAT_PAGESIZESLEN, sizeof pagesizes);
	AUX(FAT_STACKPROT, PROT_READ | PROT_WRITE);
	AUX(FAT_ARGC, pargc);
	AUX(FAT_ARGV, fargv);
	AUX(FAT_ENVC, nenv);
	AUX(FAT_ENVV, fenvp);
	AUX(FAT_NULL, 0);
#undef AUX

	if (enable_dispatch() < 0) die(path, "Syscall User Dispatch is not available (Linux 5.11+)");
	jump_to(entry, (uintptr_t)nsp, (uintptr_t)nsp);
}

__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall loader_main\n\thlt\n");

void *memcpy(void *d, const void *s, size_t n) {
	unsigned char *dd = d;
	const unsigned char *ss = s;
	while (n--) *dd++ = *ss++;
	return d;
}
void *memmove(void *d, const void *s, size_t n) {
	unsigned char *dd = d;
	const unsigned char *ss = s;
	if (dd < ss) while (n--) *dd++ = *ss++;
	else while (n--) dd[n] = ss[n];
	return d;
}
void *memset(void *d, int c, size_t n) {
	unsigned char *dd = d;
	while (n--) *dd++ = (unsigned char)c;
	return d;
}
int memcmp(const void *a, const void *b, size_t n) {
	const unsigned char *x = a, *y = b;
	for (; n--; x++, y++)
		if (*x != *y) return *x - *y;
	return 0;
}
