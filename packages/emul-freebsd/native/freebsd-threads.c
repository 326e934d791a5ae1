/* Threads: thr_new → clone (dispatch turned on in the new thread), thr_self/exit/set_name, _umtx_op →
 * futex, sysarch → arch_prctl. Included by the loader. */

struct thr_param {
	void (*start_func)(void *);
	void *arg;
	char *stack_base;
	size_t stack_size;
	char *tls_base;
	size_t tls_size;
	long *child_tid;
	long *parent_tid;
	int flags;
	void *rtp;
	void *spare[3];
};
FBSD_CHECK_thr_param(struct thr_param);

struct start_block {
	void *entry, *arg, *tls, *alt;
	uintptr_t sp;
	uint64_t mask;
	long *child_tid;
};

extern long clone_thread(unsigned long flags, void *stack, struct start_block *b);
__asm__(".text\n.globl clone_thread\nclone_thread:\n"
	"\tsub $16, %rsi\n\tmov %rdx, (%rsi)\n"
	"\tmov $56, %eax\n\txor %edx, %edx\n\txor %r10d, %r10d\n\txor %r8d, %r8d\n\tsyscall\n"
	"\ttest %rax, %rax\n\tjnz 1f\n"
	"\tmov (%rsp), %rdi\n\tand $-16, %rsp\n\tcall thread_start\n\thlt\n"
	"1:\tret\n");

__attribute__((used, noreturn)) void thread_start(struct start_block *b) {
	if (b->tls) sc2(__NR_arch_prctl, ARCH_SET_FS, b->tls);
	if (start_thread_state(b->alt) < 0 || enable_dispatch() < 0) sc1(__NR_exit_group, 127);
	long tid = ((struct thread *)b->alt)->tid;
	if (b->child_tid) *b->child_tid = tid;
	uint64_t mask = b->mask & ~NEVER_BLOCKED;
	void *entry = b->entry, *arg = b->arg;
	uintptr_t sp = b->sp;
	sc4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &mask, 0, 8);
	/* FreeBSD's cpu_set_upcall: %rip the start function, %rdi its argument, %rsp the stack. */
	jump_to((uintptr_t)entry, sp, (uintptr_t)arg);
}

static long t_thr_new(struct call *c) {
	const struct thr_param *p = (const void *)ARG(0);
	if ((size_t)ARG(1) < __builtin_offsetof(struct thr_param, flags)) return fail(c, FBSD_EINVAL);
	void *alt = alloc_altstack();
	if (!alt) return -ENOMEM;
	struct start_block *b = (struct start_block *)((char *)alt + ALTSTACK_SIZE - 256);
	b->entry = (void *)p->start_func;
	b->arg = p->arg;
	b->tls = p->tls_base;
	b->alt = alt;
	b->sp = (((uintptr_t)p->stack_base + p->stack_size) & ~(uintptr_t)15) - 8;
	b->mask = c->uc->uc_sigmask;
	b->child_tid = p->child_tid;
	long *parent_tid = p->parent_tid;
	long tid = clone_thread(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
				(char *)b - 64, b);
	if (tid < 0) return tid; /* the alternate stack leaks on this error path */
	if (parent_tid) *parent_tid = tid;
	return 0;
}

static long t_thr_self(struct call *c) {
	*(long *)ARG(0) = self()->tid;
	return 0;
}

static long t_thr_exit(struct call *c) {
	int *state = (int *)ARG(0);
	if (state) {
		__atomic_store_n(state, 1, __ATOMIC_SEQ_CST);
		sc3(__NR_futex, state, FUTEX_WAKE_PRIVATE, 0x7fffffff);
		sc3(__NR_futex, state, FUTEX_WAKE, 0x7fffffff);
	}
	/* This thread's alternate stack is the stack we run on: it is not freed (see README). */
	sc1(__NR_exit, 0);
	return 0;
}

static long t_thr_set_name(struct call *c) {
	if (ARG(0) == -1 || ARG(0) == self()->tid) {
		char name[16];
		const char *s = (const char *)ARG(1);
		size_t i = 0;
		for (; i < 15 && s[i]; i++) name[i] = s[i];
		name[i] = 0;
		sc2(__NR_prctl, PR_SET_NAME, name);
	}
	return 0;
}

/* FreeBSD's struct _umtx_time: a timeout (struct timespec, as Linux's futex takes it), flags, clock. */
struct umtx_time { struct __kernel_timespec _timeout; uint32_t _flags, _clockid; };
FBSD_CHECK_umtx_time(struct umtx_time);

static long umtx_wait(struct call *c, uint32_t *addr, uint32_t val) {
	void *ua1 = (void *)ARG(3), *ua2 = (void *)ARG(4);
	long r;
	if (!ua2) {
		r = sc4(__NR_futex, addr, FUTEX_WAIT_PRIVATE, val, 0);
	} else if ((size_t)ua1 > FBSD_TIMESPEC_SIZE) { /* uaddr1: the size of the timeout, a _umtx_time */
		const struct umtx_time *t = ua2;
		long clk = linux_clock(t->_clockid);
		if (clk < 0) return fail(c, FBSD_EINVAL);
		if (t->_flags & 1) { /* UMTX_ABSTIME */
			long op = FUTEX_WAIT_BITSET_PRIVATE | (clk == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0);
			r = sc6(__NR_futex, (long)addr, op, val, (long)&t->_timeout, 0, ~0u);
		} else {
			r = sc4(__NR_futex, addr, FUTEX_WAIT_PRIVATE, val, &t->_timeout);
		}
	} else {
		r = sc4(__NR_futex, addr, FUTEX_WAIT_PRIVATE, val, ua2);
	}
	return r == -EAGAIN ? 0 : r; /* FreeBSD: a changed value is a wake-up */
}

static long t__umtx_op(struct call *c) {
	void *obj = (void *)ARG(0);
	long op = ARG(1), val = ARG(2);
	switch (op) {
	case 2: /* UMTX_OP_WAIT: a long */
		if (*(volatile long *)obj != val) return 0;
		return umtx_wait(c, obj, (uint32_t)val);
	case 11: /* UMTX_OP_WAIT_UINT */
	case 15: /* UMTX_OP_WAIT_UINT_PRIVATE */
		return umtx_wait(c, obj, (uint32_t)val);
	case 3:  /* UMTX_OP_WAKE */
	case 16: /* UMTX_OP_WAKE_PRIVATE */ {
		long n = val > 0x7fffffff ? 0x7fffffff : val;
		long r = sc3(__NR_futex, obj, FUTEX_WAKE_PRIVATE, n);
		return r < 0 ? r : 0;
	}
	case 21: { /* UMTX_OP_NWAKE_PRIVATE: val addresses, each woken fully */
		void **addrs = obj;
		for (long i = 0; i < val; i++) sc3(__NR_futex, addrs[i], FUTEX_WAKE_PRIVATE, 0x7fffffff);
		return 0;
	}
	default:
		return fail(c, FBSD_EINVAL);
	}
}

static long t_sysarch(struct call *c) {
	void *parms = (void *)ARG(1);
	switch (ARG(0)) {
	case 128: return sc2(__NR_arch_prctl, ARCH_GET_FS, parms); /* AMD64_GET_FSBASE */
	case 129: return sc2(__NR_arch_prctl, ARCH_SET_FS, *(unsigned long *)parms);
	case 130: return sc2(__NR_arch_prctl, ARCH_GET_GS, parms);
	case 131: return sc2(__NR_arch_prctl, ARCH_SET_GS, *(unsigned long *)parms);
	default: return fail(c, FBSD_EINVAL);
	}
}
