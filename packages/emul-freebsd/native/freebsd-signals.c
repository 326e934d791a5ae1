/* Signals: FreeBSD dispositions, masks and alternate stacks kept by the layer; FreeBSD signal frames
 * (siginfo, ucontext with mcontext) built for FreeBSD handlers, and sigreturn. Included by the loader. */

#include <asm/sigcontext.h>
#include <asm/ucontext.h>

#define FBSD_SA_ONSTACK 0x1
#define FBSD_SA_RESTART 0x2
#define FBSD_SA_RESETHAND 0x4
#define FBSD_SA_NODEFER 0x10
#define FBSD_SA_SIGINFO 0x40
#define FBSD_SS_ONSTACK 0x1
#define FBSD_SS_DISABLE 0x4

/* FreeBSD's sigaction (sa_handler is the union of the handler and sa_sigaction), sigset and stack_t. */
struct fbsd_sigset { uint32_t __bits[4]; };
FBSD_CHECK_sigset(struct fbsd_sigset);
struct fbsd_sigaction {
	void *sa_handler;
	int sa_flags;
	struct fbsd_sigset sa_mask;
};
FBSD_CHECK_sigaction(struct fbsd_sigaction);
struct fbsd_stack { void *ss_sp; size_t ss_size; int ss_flags; };
FBSD_CHECK_stack(struct fbsd_stack);

/* FreeBSD's amd64 mcontext_t, ucontext_t, siginfo_t and signal frame. */
struct fbsd_mcontext {
	long mc_onstack, mc_rdi, mc_rsi, mc_rdx, mc_rcx, mc_r8, mc_r9, mc_rax, mc_rbx, mc_rbp, mc_r10, mc_r11, mc_r12,
		mc_r13, mc_r14, mc_r15;
	uint32_t mc_trapno;
	uint16_t mc_fs, mc_gs;
	long mc_addr;
	uint32_t mc_flags;
	uint16_t mc_es, mc_ds;
	long mc_err, mc_rip, mc_cs, mc_rflags, mc_rsp, mc_ss;
	long mc_len, mc_fpformat, mc_ownedfp;
	long mc_fpstate[64] __attribute__((aligned(16)));
	long mc_fsbase, mc_gsbase, mc_xfpustate, mc_xfpustate_len;
	long mc_spare[4];
};
FBSD_CHECK_mcontext(struct fbsd_mcontext);
struct fbsd_ucontext {
	struct fbsd_sigset uc_sigmask;
	struct fbsd_mcontext uc_mcontext;
	void *uc_link;
	struct fbsd_stack uc_stack;
	int uc_flags;
	int __spare__[4];
} __attribute__((aligned(16)));
FBSD_CHECK_ucontext(struct fbsd_ucontext);
struct fbsd_siginfo {
	int si_signo, si_errno, si_code, si_pid;
	unsigned si_uid;
	int si_status;
	void *si_addr;
	long si_value;
	long _reason[5];
};
FBSD_CHECK_siginfo(struct fbsd_siginfo);
struct fbsd_sigframe {
	void *sf_ahu; /* the handler */
	struct fbsd_ucontext sf_uc;
	struct fbsd_siginfo sf_si;
} __attribute__((aligned(16)));
FBSD_CHECK_sigframe(struct fbsd_sigframe);

/* The loader's own Linux signal context (struct linux_ucontext) is the UAPI's struct ucontext. */
#define SAME_AS_UAPI(mine, field, uapi, ufield) \
	_Static_assert(__builtin_offsetof(mine, field) == __builtin_offsetof(uapi, ufield) && \
			       sizeof(((mine *)0)->field) == sizeof(((uapi *)0)->ufield), \
		       #mine "." #field " is the UAPI's " #ufield)
_Static_assert(sizeof(struct linux_sigcontext) == sizeof(struct sigcontext), "struct sigcontext");
SAME_AS_UAPI(struct linux_sigcontext, r8, struct sigcontext, r8);
SAME_AS_UAPI(struct linux_sigcontext, rdi, struct sigcontext, rdi);
SAME_AS_UAPI(struct linux_sigcontext, rax, struct sigcontext, rax);
SAME_AS_UAPI(struct linux_sigcontext, rsp, struct sigcontext, rsp);
SAME_AS_UAPI(struct linux_sigcontext, rip, struct sigcontext, rip);
SAME_AS_UAPI(struct linux_sigcontext, eflags, struct sigcontext, eflags);
SAME_AS_UAPI(struct linux_sigcontext, cs, struct sigcontext, cs);
SAME_AS_UAPI(struct linux_sigcontext, err, struct sigcontext, err);
SAME_AS_UAPI(struct linux_sigcontext, trapno, struct sigcontext, trapno);
SAME_AS_UAPI(struct linux_sigcontext, cr2, struct sigcontext, cr2);
SAME_AS_UAPI(struct linux_sigcontext, fpstate, struct sigcontext, fpstate);
_Static_assert(sizeof(struct linux_ucontext) == sizeof(struct ucontext), "struct ucontext");
SAME_AS_UAPI(struct linux_ucontext, uc_link, struct ucontext, uc_link);
SAME_AS_UAPI(struct linux_ucontext, uc_stack, struct ucontext, uc_stack);
SAME_AS_UAPI(struct linux_ucontext, mc, struct ucontext, uc_mcontext);
SAME_AS_UAPI(struct linux_ucontext, uc_sigmask, struct ucontext, uc_sigmask);

#define FBSD_NSIG 129
static struct fbsd_sigaction fbsd_actions[FBSD_NSIG];
/* The code a FreeBSD handler returns to (FreeBSD's sigcode): outside the loader's range, so its
 * sigreturn traps like any FreeBSD call. */
static void *sigcode;

static void on_signal(int lsig, struct linux_siginfo *si, void *ctx);

static void init_signals(void) {
	/* call *(%rsp); lea SF_UC(%rsp),%rdi; push $0; mov $417,%eax; syscall; hlt */
	_Static_assert(FBSD_SIGFRAME_SF_AHU_OFFSET == 0 && FBSD_SIGFRAME_SF_UC_OFFSET < 128, "sigcode's disp8");
	static const unsigned char code[] = {0xff, 0x14, 0x24, 0x48, 0x8d, 0x7c, 0x24, FBSD_SIGFRAME_SF_UC_OFFSET, 0x6a,
					     0x00, 0xb8, 0xa1, 0x01, 0x00, 0x00, 0x0f, 0x05, 0xf4};
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
	if ((uintptr_t)a.sa_handler <= 1 || !sigcode) return;
	struct thread *t = self();
	uintptr_t sp = uc->mc.rsp;
	if ((a.sa_flags & FBSD_SA_ONSTACK) && t->fss_sp && !(t->fss_flags & FBSD_SS_DISABLE) && !on_fbsd_altstack(t, sp))
		sp = (uintptr_t)t->fss_sp + t->fss_size;
	else
		sp -= 128; /* the red zone */
	struct fbsd_sigframe *f = (struct fbsd_sigframe *)((sp - sizeof *f) & ~(uintptr_t)63);
	memset(f, 0, sizeof *f);
	f->sf_ahu = a.sa_handler;
	f->sf_si.si_signo = fsig;
	f->sf_si.si_errno = si->si_errno;
	f->sf_si.si_code = linux_si_code_to_fbsd(si->si_code);
	if (lsig == SIGSEGV || lsig == SIGBUS || lsig == SIGILL || lsig == SIGFPE || lsig == SIGTRAP)
		f->sf_si.si_addr = si->u.fault.addr;
	else {
		f->sf_si.si_pid = si->u.kill.pid;
		f->sf_si.si_uid = si->u.kill.uid;
		f->sf_si.si_value = si->u.kill.value;
	}
	fbsd_sigset(uc->uc_sigmask, f->sf_uc.uc_sigmask.__bits);
	struct fbsd_mcontext *m = &f->sf_uc.uc_mcontext;
	m->mc_onstack = on_fbsd_altstack(t, uc->mc.rsp);
	m->mc_rdi = uc->mc.rdi, m->mc_rsi = uc->mc.rsi, m->mc_rdx = uc->mc.rdx, m->mc_rcx = uc->mc.rcx;
	m->mc_r8 = uc->mc.r8, m->mc_r9 = uc->mc.r9, m->mc_rax = uc->mc.rax, m->mc_rbx = uc->mc.rbx, m->mc_rbp = uc->mc.rbp;
	m->mc_r10 = uc->mc.r10, m->mc_r11 = uc->mc.r11, m->mc_r12 = uc->mc.r12, m->mc_r13 = uc->mc.r13;
	m->mc_r14 = uc->mc.r14, m->mc_r15 = uc->mc.r15;
	m->mc_trapno = (uint32_t)uc->mc.trapno, m->mc_addr = (long)uc->mc.cr2, m->mc_err = (long)uc->mc.err;
	m->mc_rip = uc->mc.rip, m->mc_rsp = uc->mc.rsp, m->mc_rflags = uc->mc.eflags;
	m->mc_cs = 0x43, m->mc_ss = 0x3b;
	m->mc_len = sizeof *m;
	if (uc->mc.fpstate) {
		memcpy(m->mc_fpstate, uc->mc.fpstate, sizeof m->mc_fpstate);
		m->mc_fpformat = 0x10002; /* _MC_FPFMT_XMM */
		m->mc_ownedfp = 0x20001;  /* _MC_FPOWNED_FPU */
	} else {
		m->mc_fpformat = 0x10000; /* _MC_FPFMT_NODEV */
		m->mc_ownedfp = 0x20000;  /* _MC_FPOWNED_NONE */
	}
	unsigned long fsbase = 0;
	sc2(__NR_arch_prctl, ARCH_GET_FS, &fsbase);
	m->mc_fsbase = (long)fsbase;
	f->sf_uc.uc_stack.ss_sp = t->fss_sp, f->sf_uc.uc_stack.ss_size = t->fss_size;
	f->sf_uc.uc_stack.ss_flags = t->fss_flags;

	uint64_t mask = uc->uc_sigmask | linux_sigset(a.sa_mask.__bits);
	if (!(a.sa_flags & FBSD_SA_NODEFER)) mask |= 1ull << (lsig - 1);
	if (a.sa_flags & FBSD_SA_RESETHAND) {
		fbsd_actions[fsig].sa_handler = 0;
		set_linux_action(lsig, SIG_DFL, 0, 0);
	}
	uc->uc_sigmask = mask & ~NEVER_BLOCKED;
	uc->mc.rdi = (uint64_t)fsig;
	uc->mc.rsi = (a.sa_flags & FBSD_SA_SIGINFO) ? (uint64_t)&f->sf_si : (uint64_t)f->sf_si.si_code;
	uc->mc.rdx = (uint64_t)&f->sf_uc;
	uc->mc.rcx = (uint64_t)f->sf_si.si_addr;
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
	if ((uintptr_t)a.sa_handler <= 1) return set_linux_action(lsig, a.sa_handler, 0, 0);
	unsigned long lf = SA_SIGINFO | SA_ONSTACK;
	if (a.sa_flags & FBSD_SA_RESTART) lf |= SA_RESTART;
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
	const struct fbsd_stack *ss = (const void *)ARG(0);
	struct fbsd_stack *oss = (void *)ARG(1);
	struct thread *t = self();
	int on = on_fbsd_altstack(t, c->uc->mc.rsp);
	if (oss) {
		oss->ss_sp = t->fss_sp;
		oss->ss_size = t->fss_size;
		oss->ss_flags = t->fss_sp ? (t->fss_flags | (on ? FBSD_SS_ONSTACK : 0)) : FBSD_SS_DISABLE;
	}
	if (ss) {
		if (on) return fail(c, FBSD_EPERM);
		if (!(ss->ss_flags & FBSD_SS_DISABLE) && ss->ss_size < 2048) return fail(c, FBSD_ENOMEM);
		t->fss_sp = ss->ss_sp;
		t->fss_size = ss->ss_size;
		t->fss_flags = ss->ss_flags & FBSD_SS_DISABLE;
	}
	return 0;
}

/* sigreturn(ucp): the program's registers and mask from its (possibly changed) FreeBSD context. */
static long t_sigreturn(struct call *c) {
	const struct fbsd_ucontext *u = (const void *)ARG(0);
	const struct fbsd_mcontext *m = &u->uc_mcontext;
	struct linux_ucontext *uc = c->uc;
	uc->mc.rdi = m->mc_rdi, uc->mc.rsi = m->mc_rsi, uc->mc.rdx = m->mc_rdx, uc->mc.rcx = m->mc_rcx;
	uc->mc.r8 = m->mc_r8, uc->mc.r9 = m->mc_r9, uc->mc.rax = m->mc_rax, uc->mc.rbx = m->mc_rbx, uc->mc.rbp = m->mc_rbp;
	uc->mc.r10 = m->mc_r10, uc->mc.r11 = m->mc_r11, uc->mc.r12 = m->mc_r12, uc->mc.r13 = m->mc_r13;
	uc->mc.r14 = m->mc_r14, uc->mc.r15 = m->mc_r15;
	uc->mc.rip = m->mc_rip, uc->mc.rsp = m->mc_rsp;
	uc->mc.eflags = (uc->mc.eflags & ~0xdd5ull) | (m->mc_rflags & 0xdd5);
	if (uc->mc.fpstate && m->mc_fpformat == 0x10002 && m->mc_ownedfp != 0x20000)
		memcpy(uc->mc.fpstate, m->mc_fpstate, sizeof m->mc_fpstate);
	uc->uc_sigmask = linux_sigset(u->uc_sigmask.__bits) & ~NEVER_BLOCKED;
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
