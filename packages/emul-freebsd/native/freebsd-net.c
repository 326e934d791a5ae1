/* Sockets (FreeBSD sockaddrs with sa_len, flags, options) and kqueue/kevent over epoll. Included by
 * the loader. The Linux calls made here meet the jail's address confinement like a Linux program's. */

#define FBSD_AF_UNIX 1
#define FBSD_AF_INET 2
#define FBSD_AF_INET6 28
#define FBSD_SOCK_CLOEXEC 0x10000000
#define FBSD_SOCK_NONBLOCK_ 0x20000000

static int linux_family(int f) {
	if (f >= 0 && f < (int)sizeof linux_family_of_fbsd && linux_family_of_fbsd[f]) return linux_family_of_fbsd[f] - 1;
	return -1;
}
static int fbsd_family(int l) {
	for (int f = 0; f < (int)sizeof linux_family_of_fbsd; f++)
		if (linux_family_of_fbsd[f] && linux_family_of_fbsd[f] - 1 == l) return f;
	return l;
}

/* FreeBSD's sockaddrs begin with sa_len and sa_family (one byte each) where Linux's have a 16-bit
 * family; the rest of an AF_INET, AF_INET6 or AF_UNIX address is laid out alike on both. */
struct fbsd_sockaddr { uint8_t sa_len, sa_family; char sa_data[14]; };
FBSD_CHECK_sockaddr(struct fbsd_sockaddr);
struct fbsd_sockaddr_storage { uint8_t ss_len, ss_family; char __ss_pad1[6]; int64_t __ss_align; char __ss_pad2[112]; };
FBSD_CHECK_sockaddr_storage(struct fbsd_sockaddr_storage);
struct fbsd_sockaddr_in { uint8_t sin_len, sin_family; uint16_t sin_port; struct in_addr sin_addr; char sin_zero[8]; };
FBSD_CHECK_sockaddr_in(struct fbsd_sockaddr_in);
struct fbsd_sockaddr_in6 {
	uint8_t sin6_len, sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};
FBSD_CHECK_sockaddr_in6(struct fbsd_sockaddr_in6);
struct fbsd_sockaddr_un { uint8_t sun_len, sun_family; char sun_path[104]; };
FBSD_CHECK_sockaddr_un(struct fbsd_sockaddr_un);
#define SAME_AFTER_FAMILY(f, l, field) \
	_Static_assert(__builtin_offsetof(f, field) == __builtin_offsetof(l, field) && \
			       sizeof(((f *)0)->field) == sizeof(((l *)0)->field), #field " as on Linux")
_Static_assert(FBSD_SOCKADDR_SA_LEN_OFFSET == 0 && FBSD_SOCKADDR_SA_FAMILY_OFFSET == 1 &&
		       FBSD_SOCKADDR_SA_DATA_OFFSET == sizeof(__kernel_sa_family_t), "the address after the family");
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in, struct sockaddr_in, sin_port);
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in, struct sockaddr_in, sin_addr);
_Static_assert(FBSD_SOCKADDR_IN_SIZE == sizeof(struct sockaddr_in), "sockaddr_in as on Linux");
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in6, struct sockaddr_in6, sin6_port);
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in6, struct sockaddr_in6, sin6_flowinfo);
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in6, struct sockaddr_in6, sin6_addr);
SAME_AFTER_FAMILY(struct fbsd_sockaddr_in6, struct sockaddr_in6, sin6_scope_id);
_Static_assert(FBSD_SOCKADDR_IN6_SIZE == sizeof(struct sockaddr_in6), "sockaddr_in6 as on Linux");
_Static_assert(FBSD_SOCKADDR_UN_SUN_PATH_OFFSET == __builtin_offsetof(struct sockaddr_un, sun_path) &&
		       FBSD_SOCKADDR_UN_SUN_PATH_SIZE < sizeof(((struct sockaddr_un *)0)->sun_path),
	       "FreeBSD's sun_path fits in Linux's");
#define SA_MAX FBSD_SOCKADDR_STORAGE_SIZE
_Static_assert(SA_MAX <= sizeof(struct __kernel_sockaddr_storage), "a FreeBSD address fits Linux's storage");

/* FreeBSD sockaddr (len, family, data) → Linux (family, data), into `out` (SA_MAX bytes). */
static long sockaddr_in_(const unsigned char *sa, long len, unsigned char *out, long *olen) {
	if (!sa) {
		*olen = 0;
		return 0;
	}
	if (len < FBSD_SOCKADDR_SA_DATA_OFFSET || len > SA_MAX) return -EINVAL;
	int lf = linux_family(sa[FBSD_SOCKADDR_SA_FAMILY_OFFSET]);
	if (lf < 0) return -EAFNOSUPPORT;
	memset(out, 0, SA_MAX);
	*(__kernel_sa_family_t *)out = (__kernel_sa_family_t)lf;
	memcpy(out + FBSD_SOCKADDR_SA_DATA_OFFSET, sa + FBSD_SOCKADDR_SA_DATA_OFFSET, len - FBSD_SOCKADDR_SA_DATA_OFFSET);
	*olen = len;
	if (lf == AF_UNIX) {
		/* FreeBSD's sun_path (104 bytes) need not end in NUL; Linux's is 108. */
		size_t n = 0, p = FBSD_SOCKADDR_UN_SUN_PATH_OFFSET;
		while (p + n < (size_t)len && out[p + n]) n++;
		*olen = (long)(p + n + 1);
	}
	return 0;
}
/* Linux sockaddr → FreeBSD, as much as fits in *flen; *flen becomes FreeBSD's length. */
static void sockaddr_out(const unsigned char *l, long llen, unsigned char *f, uint32_t *flen) {
	if (!f || !flen) return;
	const long d = FBSD_SOCKADDR_SA_DATA_OFFSET, p = FBSD_SOCKADDR_UN_SUN_PATH_OFFSET;
	unsigned char tmp[SA_MAX];
	if (llen > SA_MAX) llen = SA_MAX;
	memset(tmp, 0, sizeof tmp);
	int fam = llen >= d ? *(const __kernel_sa_family_t *)l : 0;
	long n = llen;
	if (fam == AF_UNIX && llen > p) {
		long k = 0;
		while (p + k < llen && l[p + k]) k++;
		if (k > FBSD_SOCKADDR_UN_SUN_PATH_SIZE - 1) k = FBSD_SOCKADDR_UN_SUN_PATH_SIZE - 1;
		n = p + k + 1;
	}
	if (llen >= d) {
		memcpy(tmp + d, l + d, n - d > 0 ? n - d : 0);
		tmp[FBSD_SOCKADDR_SA_LEN_OFFSET] = (unsigned char)n;
		tmp[FBSD_SOCKADDR_SA_FAMILY_OFFSET] = (unsigned char)fbsd_family(fam);
	}
	long give = n < (long)*flen ? n : (long)*flen;
	memcpy(f, tmp, give > 0 ? give : 0);
	*flen = (uint32_t)n;
}

static long t_socket(struct call *c) {
	int lf = linux_family((int)ARG(0));
	if (lf < 0) return fail(c, 47 /* EAFNOSUPPORT */);
	long type = ARG(1), lt = type & 0x0fffffff;
	if (type & FBSD_SOCK_CLOEXEC) lt |= O_CLOEXEC;
	if (type & FBSD_SOCK_NONBLOCK_) lt |= O_NONBLOCK;
	return sc3(__NR_socket, lf, lt, ARG(2));
}
static long t_socketpair(struct call *c) {
	int lf = linux_family((int)ARG(0));
	if (lf < 0) return fail(c, 47);
	long type = ARG(1), lt = type & 0x0fffffff;
	if (type & FBSD_SOCK_CLOEXEC) lt |= O_CLOEXEC;
	if (type & FBSD_SOCK_NONBLOCK_) lt |= O_NONBLOCK;
	return sc4(__NR_socketpair, lf, lt, ARG(2), ARG(3));
}
static long t_bind(struct call *c) {
	unsigned char sa[SA_MAX];
	long len;
	long r = sockaddr_in_((const unsigned char *)ARG(1), ARG(2), sa, &len);
	return r < 0 ? r : sc3(__NR_bind, ARG(0), sa, len);
}
static long t_connect(struct call *c) {
	unsigned char sa[SA_MAX];
	long len;
	long r = sockaddr_in_((const unsigned char *)ARG(1), ARG(2), sa, &len);
	return r < 0 ? r : sc3(__NR_connect, ARG(0), sa, len);
}
static long accept_common(long fd, unsigned char *name, uint32_t *namelen, long flags) {
	unsigned char sa[SA_MAX];
	uint32_t len = sizeof sa;
	long r = sc4(__NR_accept4, fd, name ? sa : 0, name ? &len : 0, flags);
	if (r >= 0 && name) sockaddr_out(sa, len, name, namelen);
	return r;
}
static long t_accept(struct call *c) { return accept_common(ARG(0), (void *)ARG(1), (void *)ARG(2), 0); }
static long t_accept4(struct call *c) {
	long f = ARG(3), lf = 0;
	if (f & FBSD_SOCK_CLOEXEC) lf |= O_CLOEXEC;
	if (f & FBSD_SOCK_NONBLOCK_) lf |= O_NONBLOCK;
	return accept_common(ARG(0), (void *)ARG(1), (void *)ARG(2), lf);
}
static long name_common(long nr, struct call *c) {
	unsigned char sa[SA_MAX];
	uint32_t len = sizeof sa;
	long r = sc3(nr, ARG(0), sa, &len);
	if (r >= 0) sockaddr_out(sa, len, (void *)ARG(1), (void *)ARG(2));
	return r;
}
static long t_getsockname(struct call *c) { return name_common(__NR_getsockname, c); }
static long t_getpeername(struct call *c) { return name_common(__NR_getpeername, c); }

/* MSG_* flags: FreeBSD bit → Linux bit. */
static long msg_flags(long f) {
	static const long map[][2] = {{0x1, 0x1}, {0x2, 0x2}, {0x4, 0x4}, {0x8, 0x80}, {0x10, 0x20},
				      {0x20, 0x8}, {0x40, 0x100}, {0x80, 0x40}, {0x20000, 0x4000}};
	long out = 0;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (f & map[i][0]) out |= map[i][1];
	return out;
}
static long t_sendto(struct call *c) {
	unsigned char sa[SA_MAX];
	long len;
	long r = sockaddr_in_((const unsigned char *)ARG(4), ARG(5), sa, &len);
	if (r < 0) return r;
	return sc6(__NR_sendto, ARG(0), ARG(1), ARG(2), msg_flags(ARG(3)), ARG(4) ? (long)sa : 0, len);
}
static long t_recvfrom(struct call *c) {
	unsigned char sa[SA_MAX];
	uint32_t len = sizeof sa;
	long r = sc6(__NR_recvfrom, ARG(0), ARG(1), ARG(2), msg_flags(ARG(3)), ARG(4) ? (long)sa : 0, ARG(4) ? (long)&len : 0);
	if (r >= 0 && ARG(4)) sockaddr_out(sa, len, (void *)ARG(4), (void *)ARG(5));
	return r;
}

static int sockopt(long level, long name, long *ll, long *ln) {
	for (size_t i = 0; i < sizeof fbsd_sockopts / sizeof *fbsd_sockopts; i++)
		if (fbsd_sockopts[i].level == level && fbsd_sockopts[i].name == name) {
			*ll = fbsd_sockopts[i].llevel;
			*ln = fbsd_sockopts[i].lname;
			return 0;
		}
	return -1;
}
static long t_setsockopt(struct call *c) {
	long ll, ln;
	if (sockopt(ARG(1), ARG(2), &ll, &ln) < 0) return fail(c, 42 /* ENOPROTOOPT */);
	return sc5(__NR_setsockopt, ARG(0), ll, ln, ARG(3), ARG(4));
}
static long t_getsockopt(struct call *c) {
	long ll, ln;
	if (sockopt(ARG(1), ARG(2), &ll, &ln) < 0) return fail(c, 42);
	long r = sc5(__NR_getsockopt, ARG(0), ll, ln, ARG(3), ARG(4));
	if (r >= 0 && ll == SOL_SOCKET && ln == SO_ERROR && ARG(3)) {
		int *e = (int *)ARG(3);
		if (*e) *e = (int)-fbsd_err(-*e);
	}
	return r;
}

/* ---- kqueue over epoll ---- */

#define EVFILT_READ_ (-1)
#define EVFILT_WRITE_ (-2)
#define EVFILT_USER_ (-11)
#define EV_ADD_ 0x1
#define EV_DELETE_ 0x2
#define EV_ENABLE_ 0x4
#define EV_DISABLE_ 0x8
#define EV_ONESHOT_ 0x10
#define EV_CLEAR_ 0x20
#define EV_ERROR_ 0x4000
#define EV_EOF_ 0x8000
#define NOTE_TRIGGER_ 0x01000000

struct fbsd_kevent {
	uint64_t ident;
	int16_t filter;
	uint16_t flags;
	uint32_t fflags;
	int64_t data;
	void *udata;
	uint64_t ext[4];
};
FBSD_CHECK_kevent(struct fbsd_kevent);

/* Interest per descriptor (one kqueue per descriptor: the last that registered it). */
#define KQ_FDS 65536
struct kq_fd {
	int kq;
	uint16_t rflags, wflags; /* EV_* of the read and write filters; 0: none */
	void *rdata, *wdata;
};
static struct kq_fd kq_fds[KQ_FDS];
#define KQ_USERS 32
struct kq_user { int kq; int efd; uint64_t ident; uint16_t flags; void *udata; };
static struct kq_user kq_users[KQ_USERS];
static int kq_lock_word;
static void kq_lock(void) {
	while (__atomic_exchange_n(&kq_lock_word, 1, __ATOMIC_ACQUIRE)) sc0(__NR_sched_yield);
}
static void kq_unlock(void) { __atomic_store_n(&kq_lock_word, 0, __ATOMIC_RELEASE); }

#define USER_TAG (1ull << 40)

static long t_kqueue(struct call *c) {
	(void)c;
	return sc1(__NR_epoll_create1, EPOLL_CLOEXEC);
}

static long kq_update_fd(int kq, int fd) {
	struct kq_fd *k = &kq_fds[fd];
	uint32_t ev = 0;
	if (k->rflags) ev |= EPOLLIN | EPOLLRDHUP;
	if (k->wflags) ev |= EPOLLOUT;
	if ((k->rflags | k->wflags) & EV_CLEAR_) ev |= EPOLLET;
	if ((k->rflags | k->wflags) & EV_ONESHOT_) ev |= EPOLLONESHOT;
	struct epoll_event e = {.events = ev, .data = (uint64_t)fd};
	if (!ev) {
		long r = sc4(__NR_epoll_ctl, kq, EPOLL_CTL_DEL, fd, &e);
		return r == -ENOENT ? 0 : r;
	}
	long r = sc4(__NR_epoll_ctl, kq, EPOLL_CTL_MOD, fd, &e);
	if (r == -ENOENT) r = sc4(__NR_epoll_ctl, kq, EPOLL_CTL_ADD, fd, &e);
	return r;
}

static long kq_change(int kq, const struct fbsd_kevent *ch) {
	if (ch->filter == EVFILT_READ_ || ch->filter == EVFILT_WRITE_) {
		if (ch->ident >= KQ_FDS) return -EBADF;
		int fd = (int)ch->ident;
		struct kq_fd *k = &kq_fds[fd];
		if (k->kq != kq) {
			memset(k, 0, sizeof *k);
			k->kq = kq;
		}
		uint16_t *fl = ch->filter == EVFILT_READ_ ? &k->rflags : &k->wflags;
		void **ud = ch->filter == EVFILT_READ_ ? &k->rdata : &k->wdata;
		if (ch->flags & EV_DELETE_) {
			if (!*fl) return -ENOENT;
			*fl = 0;
		} else if (ch->flags & (EV_ADD_ | EV_ENABLE_)) {
			*fl = (uint16_t)((ch->flags & (EV_CLEAR_ | EV_ONESHOT_)) | EV_ADD_);
			*ud = ch->udata;
		} else if (ch->flags & EV_DISABLE_) {
			*fl = 0;
		}
		return kq_update_fd(kq, fd);
	}
	if (ch->filter == EVFILT_USER_) {
		struct kq_user *u = 0, *free_ = 0;
		for (int i = 0; i < KQ_USERS; i++) {
			if (kq_users[i].efd && kq_users[i].kq == kq && kq_users[i].ident == ch->ident) u = &kq_users[i];
			if (!kq_users[i].efd && !free_) free_ = &kq_users[i];
		}
		if (ch->flags & EV_ADD_ && !u) {
			if (!free_) return -ENOMEM;
			long efd = sc2(__NR_eventfd2, 0, O_CLOEXEC | O_NONBLOCK);
			if (efd < 0) return efd;
			struct epoll_event e = {.events = EPOLLIN, .data = USER_TAG | (uint64_t)(free_ - kq_users)};
			long r = sc4(__NR_epoll_ctl, kq, EPOLL_CTL_ADD, efd, &e);
			if (r < 0) {
				sc1(__NR_close, efd);
				return r;
			}
			*free_ = (struct kq_user){kq, (int)efd, ch->ident, ch->flags, ch->udata};
			u = free_;
		}
		if (!u) return -ENOENT;
		if (ch->flags & EV_ADD_) u->udata = ch->udata, u->flags = ch->flags;
		if (ch->flags & EV_DELETE_) {
			sc1(__NR_close, u->efd);
			memset(u, 0, sizeof *u);
			return 0;
		}
		if (ch->fflags & NOTE_TRIGGER_) {
			uint64_t one = 1;
			sc3(__NR_write, u->efd, &one, 8);
		}
		return 0;
	}
	return -EINVAL; /* EVFILT_TIMER, VNODE, PROC, SIGNAL, AIO: not translated */
}

static long kevent_impl(int kq, const struct fbsd_kevent *changes, long nchanges, struct fbsd_kevent *events,
			long nevents, const void *ts) {
	long out = 0;
	for (long i = 0; i < nchanges; i++) {
		struct fbsd_kevent ch = changes[i];
		kq_lock();
		long r = kq_change(kq, &ch);
		kq_unlock();
		if (r < 0 || (ch.flags & 0x40 /* EV_RECEIPT */)) {
			if (out >= nevents) {
				if (r < 0) return r;
				continue;
			}
			ch.flags = EV_ERROR_;
			ch.data = r < 0 ? -fbsd_err(r) : 0;
			events[out++] = ch;
		}
	}
	if (nevents - out <= 0) return out;
	struct epoll_event ev[64];
	long max = (nevents - out + 1) / 2;
	if (max > 64) max = 64;
	if (max < 1) max = 1;
	long n = sc6(__NR_epoll_pwait2, kq, (long)ev, max, (long)ts, 0, 8);
	if (n < 0) return out ? out : n;
	kq_lock();
	for (long i = 0; i < n && out < nevents; i++) {
		uint64_t d = ev[i].data;
		uint32_t e = ev[i].events;
		if (d & USER_TAG) {
			struct kq_user *u = &kq_users[d & 0xffff];
			if (!u->efd) continue;
			uint64_t v;
			if (u->flags & EV_CLEAR_) sc3(__NR_read, u->efd, &v, 8);
			events[out++] = (struct fbsd_kevent){.ident = u->ident, .filter = EVFILT_USER_, .udata = u->udata};
			continue;
		}
		int fd = (int)d;
		struct kq_fd *k = &kq_fds[fd];
		uint16_t eof = (e & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) ? EV_EOF_ : 0;
		if (k->rflags && (e & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)))
			events[out++] = (struct fbsd_kevent){.ident = (uint64_t)fd, .filter = EVFILT_READ_,
							     .flags = (uint16_t)(k->rflags | eof), .udata = k->rdata};
		if (out < nevents && k->wflags && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			events[out++] = (struct fbsd_kevent){.ident = (uint64_t)fd, .filter = EVFILT_WRITE_,
							     .flags = (uint16_t)(k->wflags | (e & (EPOLLHUP | EPOLLERR) ? EV_EOF_ : 0)),
							     .udata = k->wdata};
	}
	kq_unlock();
	return out;
}

static long t_kevent(struct call *c) {
	return kevent_impl((int)ARG(0), (const void *)ARG(1), ARG(2), (void *)ARG(3), ARG(4), (const void *)ARG(5));
}

/* FreeBSD 11's kevent (syscall 363, used by Go before 1.17): the struct without ext[4]. */
struct fbsd11_kevent {
	uint64_t ident;
	int16_t filter;
	uint16_t flags;
	uint32_t fflags;
	int64_t data;
	void *udata;
};
FBSD_CHECK_freebsd11_kevent(struct fbsd11_kevent);
static long t_freebsd11_kevent(struct call *c) {
	const struct fbsd11_kevent *ch11 = (const void *)ARG(1);
	struct fbsd11_kevent *ev11 = (void *)ARG(3);
	long nchanges = ARG(2), nevents = ARG(4);
	struct fbsd_kevent ch[64], ev[64];
	if (nchanges > 64 || nchanges < 0 || nevents < 0) return -EINVAL;
	if (nevents > 64) nevents = 64;
	for (long i = 0; i < nchanges; i++)
		ch[i] = (struct fbsd_kevent){ch11[i].ident, ch11[i].filter, ch11[i].flags, ch11[i].fflags, ch11[i].data,
					     ch11[i].udata, {0}};
	long r = kevent_impl((int)ARG(0), ch, nchanges, ev, nevents, (const void *)ARG(5));
	for (long i = 0; i < r; i++)
		ev11[i] = (struct fbsd11_kevent){ev[i].ident, ev[i].filter, ev[i].flags, ev[i].fflags, ev[i].data, ev[i].udata};
	return r;
}
