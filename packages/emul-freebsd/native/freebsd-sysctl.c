/* __sysctl and __sysctlbyname over the generated table (fbsd_sysctls). Included by the loader. */

#include <linux/sysinfo.h>
#include <linux/utsname.h>

/* The value of entry e into buf (up to cap bytes); returns its full size. */
static long sysctl_value(const struct fbsd_sysctl *e, char *buf, size_t cap) {
	long v = e->ivalue;
	const char *s = e->svalue;
	char tmp[80];
	switch (e->source) {
	case SRC_HOSTNAME: {
		static struct new_utsname uts;
		if (sc1(__NR_uname, &uts) < 0) return -EFAULT;
		s = uts.nodename;
		break;
	}
	case SRC_NCPU: v = ncpus(); break;
	case SRC_PHYSMEM: {
		struct sysinfo si;
		if (sc1(__NR_sysinfo, &si) < 0) return -EFAULT;
		v = (long)(si.totalram * (si.mem_unit ? si.mem_unit : 1));
		break;
	}
	case SRC_PAGESIZE: v = 4096; break;
	case SRC_USRSTACK: v = (long)usrstack; break;
	case SRC_PATHNAME: s = program_path; break;
	case SRC_ARANDOM: {
		size_t n = cap < sizeof tmp ? cap : sizeof tmp;
		long r = sc3(__NR_getrandom, tmp, n, 0);
		if (r < 0) return r;
		memcpy(buf, tmp, (size_t)r);
		return r;
	}
	default: break;
	}
	if (e->type == 's') {
		size_t n = str_len(s) + 1;
		memcpy(buf, s, n < cap ? n : cap);
		return (long)n;
	}
	if (e->type == 'i') {
		int i = (int)v;
		memcpy(buf, &i, cap < 4 ? cap : 4);
		return 4;
	}
	memcpy(buf, &v, cap < 8 ? cap : 8);
	return 8;
}

static long sysctl_io(struct call *c, const struct fbsd_sysctl *e, void *old, size_t *oldlenp, const void *new,
		      size_t newlen) {
	if (new) {
		/* Only the host name can be set (as FreeBSD's allow.set_hostname); the jail decides. */
		if (e->source != SRC_HOSTNAME) return fail(c, FBSD_EPERM);
		size_t n = newlen;
		if (n && ((const char *)new)[n - 1] == 0) n--;
		long r = sc2(__NR_sethostname, new, n);
		if (r < 0) return r;
	}
	if (!oldlenp) return 0;
	char buf[1024];
	long size = sysctl_value(e, buf, sizeof buf);
	if (size < 0) return size;
	if (!old) {
		*oldlenp = (size_t)size;
		return 0;
	}
	size_t give = (size_t)size < *oldlenp ? (size_t)size : *oldlenp;
	if (e->source == SRC_ARANDOM) {
		give = (size_t)size;
		memcpy(old, buf, give);
		*oldlenp = give;
		return 0;
	}
	memcpy(old, buf, give);
	*oldlenp = give;
	return give < (size_t)size ? fail(c, FBSD_ENOMEM) : 0;
}

static const struct fbsd_sysctl *sysctl_by_name(const char *name, size_t len) {
	for (size_t i = 0; i < FBSD_NSYSCTLS; i++) {
		const char *n = fbsd_sysctls[i].name;
		if (str_len(n) == len && str_eqn(n, name, len)) return &fbsd_sysctls[i];
	}
	return 0;
}

static long t___sysctl(struct call *c) {
	const int *name = (const int *)ARG(0);
	unsigned namelen = (unsigned)ARG(1);
	void *old = (void *)ARG(2);
	size_t *oldlenp = (size_t *)ARG(3);
	const void *new = (const void *)ARG(4);
	size_t newlen = (size_t)ARG(5);
	if (namelen < 1 || namelen > 24) return fail(c, FBSD_EINVAL);
	if (namelen == 2 && name[0] == FBSD_CTL_SYSCTL && name[1] == FBSD_CTL_SYSCTL_NAME2OID) {
		size_t len = newlen;
		if (len && ((const char *)new)[len - 1] == 0) len--;
		const struct fbsd_sysctl *e = sysctl_by_name(new, len);
		if (!e) return fail(c, FBSD_ENOENT);
		size_t bytes = (size_t)e->oidlen * sizeof(int);
		if (!oldlenp || *oldlenp < bytes) return fail(c, FBSD_ENOMEM);
		memcpy(old, e->oid, bytes);
		*oldlenp = bytes;
		return 0;
	}
	for (size_t i = 0; i < FBSD_NSYSCTLS; i++) {
		const struct fbsd_sysctl *e = &fbsd_sysctls[i];
		unsigned n = (unsigned)e->oidlen;
		if (e->source == SRC_PATHNAME) {
			/* kern.proc.pathname.<pid>: this process (-1 or its pid) only. */
			if (namelen != n + 1 || memcmp(name, e->oid, n * sizeof(int))) continue;
			if (name[n] != -1 && name[n] != sc0(__NR_getpid)) return fail(c, FBSD_ESRCH);
			return sysctl_io(c, e, old, oldlenp, new, newlen);
		}
		if (namelen == n && !memcmp(name, e->oid, n * sizeof(int))) return sysctl_io(c, e, old, oldlenp, new, newlen);
	}
	return fail(c, FBSD_ENOENT);
}

static long t___sysctlbyname(struct call *c) {
	const char *name = (const char *)ARG(0);
	size_t len = (size_t)ARG(1);
	if (len && name[len - 1] == 0) len--;
	const struct fbsd_sysctl *e = sysctl_by_name(name, len);
	if (!e) return fail(c, FBSD_ENOENT);
	if (e->source == SRC_PATHNAME) return fail(c, FBSD_ENOENT);
	return sysctl_io(c, e, (void *)ARG(2), (size_t *)ARG(3), (const void *)ARG(4), (size_t)ARG(5));
}
