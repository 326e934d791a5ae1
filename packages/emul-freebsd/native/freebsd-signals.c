/* Signals: FreeBSD dispositions, masks and alternate stacks kept by the layer; FreeBSD signal frames
 * (siginfo, ucontext with mcontext) built for FreeBSD handlers, and sigreturn. Included by the loader. */

#define FBSD_SA_ONSTACK 0x1
#define FBSD_SA_RESTART 0x2
#define FBSD_SA_RESETHAND 0x4
#define FBSD_SA_NODEFER 0x10
#define FBSD_SA_SIGINFO 0x40
#define FBSD_SS_ONSTACK 0x1
#define FBSD_SS_DISABLE 0x4

struct fbsd_sigaction {
	void *handler;
	int flags;
	uint32_t mask[4];
};

/* FreeBSD's amd64 mcontext and ucontext (sys/amd64/include/ucontext.h, sys/sys/_ucontext.h). */
struct fbsd_mcontext {
	long onstack, rdi, rsi, rdx, rcx, r8, r9, rax, rbx, rbp, r10, r11, r12, r13, r14, r15;
	uint32_t trapno;
	uint16_t fs, gs;
	long addr;
	uint32_t flags;
	uint16_t es, ds;
	long err, rip, cs, rflags, rsp, ss;
	long len, fpformat, ownedfp;
	long fpstate[64] __attribute__((aligned(16)));
	long fsbase, gsbase, xfpustate, xfpustate_len;
	long spare[4];
};
struct fbsd_ucontext {
	uint32_t sigmask[4];
	struct fbsd_mcontext mc;
	void *link;
	struct { void *sp; size_t size; int flags; } stack;
	int flags;
	int spare[4];
} __attribute__((aligned(16)));
struct fbsd_siginfo {
	int signo, errno_, code, pid;
	unsigned uid;
	int status;
	void *addr;
	long value;
	long reason[5];
};
struct fbsd_sigframe {
	void *handler;
	struct fbsd_ucontext uc;
	struct fbsd_siginfo si;
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fbsd_mcontext) == 800, "FreeBSD mcontext_t is 800 bytes");
_Static_assert(__builtin_offsetof(struct fbsd_mcontext, fpstate) == 224, "mc_fpstate at 224");
_Static_assert(__builtin_offsetof(struct fbsd_ucontext, mc) == 16, "uc_mcontext at 16");
_Static_assert(sizeof(struct fbsd_siginfo) == 80, "FreeBSD siginfo_t is 80 bytes");
_Static_assert(__builtin_offsetof(struct fbsd_sigframe, uc) == 16, "sf_uc at 16 (sigcode's SIGF_UC)");

#define FBSD_NSIG 129
static struct fbsd_sigaction fbsd_actions[FBSD_NSIG];
/* The code a FreeBSD handler returns to (FreeBSD's sigcode): outside the loader's range, so its
 * sigreturn traps like any FreeBSD call. */
static void *sigcode;

static void on_signal(int lsig, struct linux_siginfo *si, void *ctx);

static void init_signals(void) {
	/* call *(%rsp); lea 16(%rsp),%rdi; push $0; mov $417,%eax; syscall; hlt */
	static const unsigned char code[] = {0xff, 0x14, 0x24, 0x48, 0x8d, 0x7c, 0x24, 0x10, 0x6a, 0x00,
					     0xb8, 0xa1, 0x01, 0x00, 0x00, 0x0f, 0x05, 0xf4};
	long m = sc6(__NR_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0 && m > -4096) return;
	memcpy((void *)m, code, sizeof code);
	sc3(__NR_mprotect, m, 4096, PROT_READ | PROT_EXEC);
	sigcode = (void *)m;
}

static int on_fbsd_altstack(struct thread *t, uintptr_t sp) {
	return t->fss_sp && !(t->fss_flags & FBSD_SS_DISABLE) && sp > (uintptr_t)t->fss_sp &&
	       sp <= (uintptr_t)t->fss_sp + t->fss_size;
}

static int linux_si_code_to_fbsd(int code) {
	switch (code) {
	case 0: return 0x10001;    /* SI_USER */
	case -1: return 0x10002;   /* SI_QUEUE */
	case -2: return 0x10003;   /* SI_TIMER */
	case -6: return 0x10007;   /* SI_TKILL → SI_LWP */
	case 0x80: return 0x10006; /* SI_KERNEL */
	default: return code;      /* fault codes (SEGV_MAPERR, ...) are the same */
	}
}

static void on_signal(int lsig, struct linux_siginfo *si, void *ctx) {
	struct linux_ucontext *uc = ctx;
	int fsig = fbsd_signal(lsig);
	if (fsig <= 0 || fsig >= FBSD_NSIG) return;
	struct fbsd_sigaction a = fbsd_actions[fsig];
	if ((uintptr_t)a.handler <= 1 || !sigcode) return;
	struct thread *t = self();
	uintptr_t sp = uc->mc.rsp;
	if ((a.flags & FBSD_SA_ONSTACK) && t->fss_sp && !(t->fss_flags & FBSD_SS_DISABLE) && !on_fbsd_altstack(t, sp))
		sp = (uintptr_t)t->fss_sp + t->fss_size;
	else
		sp -= 128; /* the red zone */
	struct fbsd_sigframe *f = (struct fbsd_sigframe *)((sp - sizeof *f) & ~(uintptr_t)63);
	memset(f, 0, sizeof *f);
	f->handler = a.handler;
	f->si.signo = fsig;
	f->si.errno_ = si->si_errno;
	f->si.code = linux_si_code_to_fbsd(si->si_code);
	if (lsig == SIGSEGV || lsig == SIGBUS || lsig == SIGILL || lsig == SIGFPE || lsig == SIGTRAP)
		f->si.addr = si->u.fault.addr;
	else {
		f->si.pid = si->u.kill.pid;
		f->si.uid = si->u.kill.uid;
		f->si.value = si->u.kill.value;
	}
	fbsd_sigset(uc->uc_sigmask, f->uc.sigmask);
	struct fbsd_mcontext *m = &f->uc.mc;
	m->onstack = on_fbsd_altstack(t, uc->mc.rsp);
	m->rdi = uc->mc.rdi, m->rsi = uc->mc.rsi, m->rdx = uc->mc.rdx, m->rcx = uc->mc.rcx;
	m->r8 = uc->mc.r8, m->r9 = uc->mc.r9, m->rax = uc->mc.rax, m->rbx = uc->mc.rbx, m->rbp = uc->mc.rbp;
	m->r10 = uc->mc.r10, m->r11 = uc->mc.r11, m->r12 = uc->mc.r12, m->r13 = uc->mc.r13;
	m->r14 = uc->mc.r14, m->r15 = uc->mc.r15;
	m->trapno = (uint32_t)uc->mc.trapno, m->addr = (long)uc->mc.cr2, m->err = (long)uc->mc.err;
	m->rip = uc->mc.rip, m->rsp = uc->mc.rsp, m->rflags = uc->mc.eflags;
	m->cs = 0x43, m->ss = 0x3b;
	m->len = sizeof *m;
	if (uc->mc.fpstate) {
		memcpy(m->fpstate, uc->mc.fpstate, sizeof m->fpstate);
		m->fpformat = 0x10002; /* _MC_FPFMT_XMM */
		m->ownedfp = 0x20001;  /* _MC_FPOWNED_FPU */
	} else {
		m->fpformat = 0x10000; /* _MC_FPFMT_NODEV */
		m->ownedfp = 0x20000;  /* _MC_FPOWNED_NONE */
	}
	unsigned long fsbase = 0;
	sc2(__NR_arch_prctl, ARCH_GET_FS, &fsbase);
	m->fsbase = (long)fsbase;
	f->uc.stack.sp = t->fss_sp, f->uc.stack.size = t->fss_size, f->uc.stack.flags = t->fss_flags;

	uint64_t mask = uc->uc_sigmask | linux_sigset(a.mask);
	if (!(a.flags & FBSD_SA_NODEFER)) mask |= 1ull << (lsig - 1);
	if (a.flags & FBSD_SA_RESETHAND) {
		fbsd_actions[fsig].handler = 0;
		set_linux_action(lsig, SIG_DFL, 0, 0);
	}
	uc->uc_sigmask = mask & ~NEVER_BLOCKED;
	uc->mc.rdi = (uint64_t)fsig;
	uc->mc.rsi = (a.flags & FBSD_SA_SIGINFO) ? (uint64_t)&f->si : (uint64_t)f->si.code;
	uc->mc.rdx = (uint64_t)&f->uc;
	uc->mc.rcx = (uint64_t)f->si.addr;
	uc->mc.rax = 0;
	uc->mc.rsp = (uint64_t)f;
	uc->mc.rip = (uint64_t)sigcode;
}

static long t_sigaction(struct call *c) {
	long fsig = ARG(0);
	const struct fbsd_sigaction *act = (const void *)ARG(1);
	struct fbsd_sigaction *oact = (void *)ARG(2);
	int lsig = linux_signal(fsig);
	if (fsig <= 0 || fsig >= FBSD_NSIG) return fail(c, FBSD_EINVAL);
	if (oact) *oact = fbsd_actions[fsig];
	if (!act) return 0;
	if (fsig == 9 || fsig == 17) return fail(c, FBSD_EINVAL); /* SIGKILL, SIGSTOP */
	struct fbsd_sigaction a = *act;
	fbsd_actions[fsig] = a;
	/* The layer's own signal stays the layer's: a FreeBSD SIGSYS handler is recorded, never installed. */
	if (lsig <= 0 || lsig == SIGSYS) return 0; /* SIGEMT, SIGINFO, SIGTHR, SIGLIBRT: none on Linux */
	if ((uintptr_t)a.handler <= 1) return set_linux_action(lsig, a.handler, 0, 0);
	unsigned long lf = SA_SIGINFO | SA_ONSTACK;
	if (a.flags & FBSD_SA_RESTART) lf |= SA_RESTART;
	return set_linux_action(lsig, (void *)on_signal, lf, ~NEVER_BLOCKED);
}

static long t_sigprocmask(struct call *c) {
	long how = ARG(0);
	const uint32_t *set = (const void *)ARG(1);
	uint32_t *oset = (void *)ARG(2);
	uint64_t cur = c->uc->uc_sigmask;
	if (oset) fbsd_sigset(cur, oset);
	if (!set) return 0;
	uint64_t s = linux_sigset(set);
	switch (how) {
	case 1: cur |= s; break;  /* SIG_BLOCK */
	case 2: cur &= ~s; break; /* SIG_UNBLOCK */
	case 3: cur = s; break;   /* SIG_SETMASK */
	default: return fail(c, FBSD_EINVAL);
	}
	/* The mask the program returns to: set in the context the kernel restores. */
	c->uc->uc_sigmask = cur & ~NEVER_BLOCKED;
	return 0;
}

static long t_sigsuspend(struct call *c) {
	uint64_t m = linux_sigset((const uint32_t *)ARG(0)) & ~NEVER_BLOCKED;
	return sc2(__NR_rt_sigsuspend, &m, 8);
}

static long t_sigaltstack(struct call *c) {
	struct fss { void *sp; size_t size; int flags; };
	const struct fss *ss = (const void *)ARG(0);
	struct fss *oss = (void *)ARG(1);
	struct thread *t = self();
	int on = on_fbsd_altstack(t, c->uc->mc.rsp);
	if (oss) {
		oss->sp = t->fss_sp;
		oss->size = t->fss_size;
		oss->flags = t->fss_sp ? (t->fss_flags | (on ? FBSD_SS_ONSTACK : 0)) : FBSD_SS_DISABLE;
	}
	if (ss) {
		if (on) return fail(c, FBSD_EPERM);
		if (!(ss->flags & FBSD_SS_DISABLE) && ss->size < 2048) return fail(c, FBSD_ENOMEM);
		t->fss_sp = ss->sp;
		t->fss_size = ss->size;
		t->fss_flags = ss->flags & FBSD_SS_DISABLE;
	}
	return 0;
}

/* sigreturn(ucp): the program's registers and mask from its (possibly changed) FreeBSD context. */
static long t_sigreturn(struct call *c) {
	const struct fbsd_ucontext *u = (const void *)ARG(0);
	const struct fbsd_mcontext *m = &u->mc;
	struct linux_ucontext *uc = c->uc;
	uc->mc.rdi = m->rdi, uc->mc.rsi = m->rsi, uc->mc.rdx = m->rdx, uc->mc.rcx = m->rcx;
	uc->mc.r8 = m->r8, uc->mc.r9 = m->r9, uc->mc.rax = m->rax, uc->mc.rbx = m->rbx, uc->mc.rbp = m->rbp;
	uc->mc.r10 = m->r10, uc->mc.r11 = m->r11, uc->mc.r12 = m->r12, uc->mc.r13 = m->r13;
	uc->mc.r14 = m->r14, uc->mc.r15 = m->r15;
	uc->mc.rip = m->rip, uc->mc.rsp = m->rsp;
	uc->mc.eflags = (uc->mc.eflags & ~0xdd5ull) | (m->rflags & 0xdd5);
	if (uc->mc.fpstate && m->fpformat == 0x10002 && m->ownedfp != 0x20000)
		memcpy(uc->mc.fpstate, m->fpstate, sizeof m->fpstate);
	uc->uc_sigmask = linux_sigset(u->sigmask) & ~NEVER_BLOCKED;
	c->replaced = 1;
	return 0;
}

static long t_thr_kill(struct call *c) {
	int s = linux_signal(ARG(1));
	if (s < 0) return fail(c, FBSD_EINVAL);
	return sc3(__NR_tgkill, sc0(__NR_getpid), ARG(0), s);
}
static long t_thr_kill2(struct call *c) {
	int s = linux_signal(ARG(2));
	if (s < 0) return fail(c, FBSD_EINVAL);
	return sc3(__NR_tgkill, ARG(0), ARG(1), s);
}
