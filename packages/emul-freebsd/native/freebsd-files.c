/* Files: open flags, struct stat and struct dirent conversion, fcntl, ioctl. Included by the loader. */

#include <asm/stat.h>
#include <linux/openat2.h>

/* FreeBSD's struct timespec, and its struct stat (FreeBSD 12+ with 64-bit inodes): freebsd-layouts.h. */
struct fbsd_timespec { int64_t tv_sec; long tv_nsec; };
FBSD_CHECK_timespec(struct fbsd_timespec);
struct fbsd_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint16_t st_mode;
	int16_t st_padding0;
	uint32_t st_uid, st_gid;
	int32_t st_padding1;
	uint64_t st_rdev;
	struct fbsd_timespec st_atim, st_mtim, st_ctim, st_birthtim;
	int64_t st_size, st_blocks;
	int32_t st_blksize;
	uint32_t st_flags;
	uint64_t st_gen, st_spare[10];
};
FBSD_CHECK_stat(struct fbsd_stat);

/* Linux's major/minor split to FreeBSD's dev_t (sys/sys/types.h makedev). */
static uint64_t fbsd_dev(uint64_t d) {
	uint64_t major = ((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull);
	uint64_t minor = (d & 0xff) | ((d >> 12) & ~0xffull);
	return ((major & 0xffffff00ull) << 32) | ((major & 0xff) << 8) | ((minor & 0xff00) << 24) | (minor & 0xffff00ffull);
}

/* Linux's struct stat is asm/stat.h's. */
static void to_fbsd_stat(const struct stat *l, struct fbsd_stat *f) {
	memset(f, 0, sizeof *f);
	f->st_dev = l->st_dev;
	f->st_ino = l->st_ino;
	f->st_nlink = l->st_nlink;
	f->st_mode = (uint16_t)l->st_mode;
	f->st_uid = l->st_uid;
	f->st_gid = l->st_gid;
	f->st_rdev = fbsd_dev(l->st_rdev);
	f->st_atim.tv_sec = (long)l->st_atime, f->st_atim.tv_nsec = (long)l->st_atime_nsec;
	f->st_mtim.tv_sec = (long)l->st_mtime, f->st_mtim.tv_nsec = (long)l->st_mtime_nsec;
	f->st_ctim.tv_sec = (long)l->st_ctime, f->st_ctim.tv_nsec = (long)l->st_ctime_nsec;
	f->st_birthtim = f->st_ctim;
	f->st_size = l->st_size;
	f->st_blocks = l->st_blocks;
	f->st_blksize = (int32_t)l->st_blksize;
}

static long t_fstat(struct call *c) {
	struct stat l;
	long r = sc2(__NR_fstat, ARG(0), &l);
	if (r < 0) return r;
	to_fbsd_stat(&l, (struct fbsd_stat *)ARG(1));
	return 0;
}
static long t_fstatat(struct call *c) {
	struct stat l;
	long r = sc4(__NR_newfstatat, ARG(0), ARG(1), &l, at_flags(ARG(3)));
	if (r < 0) return r;
	to_fbsd_stat(&l, (struct fbsd_stat *)ARG(2));
	return 0;
}

/* O_SHLOCK/O_EXLOCK: the lock taken with flock after the open, as FreeBSD's open takes it. */
static long open_common(struct call *c, long dirfd, const char *path, long flags, long mode) {
	int bad = 0;
	long lf = open_flags(flags, &bad);
	if (flags & 0x2000000) return fail(c, FBSD_EINVAL); /* O_EMPTY_PATH */
	long fd;
	if (flags & 0x800000) { /* O_RESOLVE_BENEATH */
		struct open_how how = {.flags = (uint64_t)lf, .mode = (uint64_t)mode, .resolve = RESOLVE_BENEATH};
		fd = sc4(__NR_openat2, dirfd, path, &how, sizeof how);
	} else {
		fd = sc4(__NR_openat, dirfd, path, lf, mode);
	}
	if (fd >= 0 && (flags & 0x30)) {
		long op = (flags & 0x20) ? 2 /* LOCK_EX */ : 1 /* LOCK_SH */;
		if (flags & 0x4) op |= 4; /* LOCK_NB */
		long r = sc2(__NR_flock, fd, op);
		if (r < 0) {
			sc1(__NR_close, fd);
			return r;
		}
	}
	return fd;
}
static long t_open(struct call *c) { return open_common(c, AT_FDCWD, (const char *)ARG(0), ARG(1), ARG(2)); }
static long t_openat(struct call *c) { return open_common(c, ARG(0), (const char *)ARG(1), ARG(2), ARG(3)); }

/* FreeBSD's struct dirent: a header before d_name; a record is the header, the name NUL-terminated,
 * padded to 8 bytes. */
struct fbsd_dirent {
	uint64_t d_fileno;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type, d_pad0;
	uint16_t d_namlen, d_pad1;
	char d_name[256];
};
FBSD_CHECK_dirent(struct fbsd_dirent);
struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

static long t_getdirentries(struct call *c) {
	long fd = ARG(0);
	char *out = (char *)ARG(1);
	size_t count = (size_t)ARG(2);
	int64_t *basep = (int64_t *)ARG(3);
	char buf[16384];
	long pos = sc3(__NR_lseek, fd, 0, 1 /* SEEK_CUR */);
	size_t want = count < sizeof buf ? count : sizeof buf;
	long n = sc3(__NR_getdents64, fd, buf, want);
	if (n < 0) return n;
	if (basep) *basep = pos < 0 ? 0 : pos;
	size_t used = 0;
	int64_t resume = -1;
	for (long i = 0; i < n;) {
		const struct linux_dirent64 *l = (const void *)(buf + i);
		size_t namlen = str_len(l->name);
		size_t reclen = (FBSD_DIRENT_D_NAME_OFFSET + namlen + 1 + 7) & ~(size_t)7;
		if (used + reclen > count) {
			if (used == 0) return -EINVAL;
			/* Does not fit: read it again next time, from after the last entry given. */
			sc3(__NR_lseek, fd, resume, 0 /* SEEK_SET */);
			break;
		}
		struct fbsd_dirent *f = (void *)(out + used);
		f->d_fileno = l->ino;
		f->d_off = l->off;
		f->d_reclen = (uint16_t)reclen;
		f->d_type = l->type;
		f->d_pad0 = 0;
		f->d_namlen = (uint16_t)namlen;
		f->d_pad1 = 0;
		memcpy(f->d_name, l->name, namlen);
		memset(f->d_name + namlen, 0, reclen - FBSD_DIRENT_D_NAME_OFFSET - namlen);
		used += reclen;
		resume = l->off;
		i += l->reclen;
	}
	return (long)used;
}

static long t___getcwd(struct call *c) {
	long r = sc2(__NR_getcwd, ARG(0), ARG(1));
	return r < 0 ? r : 0;
}

/* FreeBSD's struct flock: start, len, pid, type, whence, sysid (Linux: type, whence first). Lock
 * types differ. */
struct fbsd_flock { int64_t l_start, l_len; int32_t l_pid; int16_t l_type, l_whence; int32_t l_sysid; };
FBSD_CHECK_flock(struct fbsd_flock);
static const int16_t linux_lock_type[4] = {-1, F_RDLCK, F_UNLCK, F_WRLCK};
static const int16_t fbsd_lock_type[3] = {1, 3, 2};

static long t_fcntl(struct call *c) {
	long fd = ARG(0), cmd = ARG(1), arg = ARG(2);
	switch (cmd) {
	case 0: return sc3(__NR_fcntl, fd, F_DUPFD, arg);
	case 1: return sc3(__NR_fcntl, fd, F_GETFD, 0);
	case 2: return sc3(__NR_fcntl, fd, F_SETFD, arg & 1);
	case 3: {
		long r = sc3(__NR_fcntl, fd, F_GETFL, 0);
		if (r < 0) return r;
		return (r & O_ACCMODE) | fbsd_open_flags_of(r & ~O_ACCMODE & ~O_LARGEFILE);
	}
	case 4: {
		int bad = 0;
		return sc3(__NR_fcntl, fd, F_SETFL, open_flags(arg, &bad) & ~O_LARGEFILE);
	}
	case 5: return sc3(__NR_fcntl, fd, F_GETOWN, 0);
	case 6: return sc3(__NR_fcntl, fd, F_SETOWN, arg);
	case 10: return fd == arg ? fd : sc2(__NR_dup2, fd, arg); /* F_DUP2FD */
	case 18: return fd == arg ? fd : sc3(__NR_dup3, fd, arg, O_CLOEXEC); /* F_DUP2FD_CLOEXEC */
	case 17: return sc3(__NR_fcntl, fd, F_DUPFD_CLOEXEC, arg);
	case 11:
	case 12:
	case 13: {
		struct fbsd_flock *f = (void *)arg;
		if (f->l_type < 1 || f->l_type > 3) return fail(c, FBSD_EINVAL);
		struct flock l = {.l_type = linux_lock_type[f->l_type], .l_whence = f->l_whence, .l_start = f->l_start,
				  .l_len = f->l_len, .l_pid = f->l_pid}; /* Linux's: linux/fcntl.h */
		long lcmd = cmd == 11 ? F_GETLK : cmd == 12 ? F_SETLK : F_SETLKW;
		long r = sc3(__NR_fcntl, fd, lcmd, &l);
		if (r < 0) return r;
		if (cmd == 11) {
			f->l_type = l.l_type >= 0 && l.l_type < 3 ? fbsd_lock_type[l.l_type] : 2;
			f->l_whence = l.l_whence, f->l_start = l.l_start, f->l_len = l.l_len, f->l_pid = l.l_pid;
		}
		return r;
	}
	default: return fail(c, FBSD_EINVAL);
	}
}

/* FreeBSD's struct termios (TIOCGETA) and struct winsize, which is Linux's (TIOCGWINSZ passes it through). */
struct fbsd_termios { uint32_t c_iflag, c_oflag, c_cflag, c_lflag; uint8_t c_cc[20]; uint32_t c_ispeed, c_ospeed; };
FBSD_CHECK_termios(struct fbsd_termios);
FBSD_CHECK_winsize(struct winsize);

/* The ioctl commands translated (FreeBSD's _IO* encodings, sys/filio.h and sys/ttycom.h); any other
 * fails with ENOTTY. */
static long t_ioctl(struct call *c) {
	long fd = ARG(0), arg = ARG(2);
	switch ((uint32_t)ARG(1)) {
	case 0x8004667e: return sc3(__NR_ioctl, fd, 0x5421, arg); /* FIONBIO */
	case 0x4004667f: return sc3(__NR_ioctl, fd, 0x541b, arg); /* FIONREAD */
	case 0x20006601: return sc3(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC); /* FIOCLEX */
	case 0x20006602: return sc3(__NR_fcntl, fd, F_SETFD, 0);          /* FIONCLEX */
	case 0x40087468: return sc3(__NR_ioctl, fd, 0x5413, arg); /* TIOCGWINSZ */
	case 0x80087467: return sc3(__NR_ioctl, fd, 0x5414, arg); /* TIOCSWINSZ */
	case 0x40047477: return sc3(__NR_ioctl, fd, 0x540f, arg); /* TIOCGPGRP */
	case 0x80047476: return sc3(__NR_ioctl, fd, 0x5410, arg); /* TIOCSPGRP */
	case 0x20007471: return sc3(__NR_ioctl, fd, 0x5422, 0);   /* TIOCNOTTY */
	case 0x402c7413: { /* TIOCGETA: is it a terminal; the modes are given as FreeBSD's defaults */
		unsigned char t[60];
		long r = sc3(__NR_ioctl, fd, 0x5401 /* TCGETS */, t);
		if (r < 0) return r;
		struct fbsd_termios *f = (struct fbsd_termios *)arg;
		memset(f, 0, sizeof *f);
		f->c_iflag = 0x2b02; /* TTYDEF_IFLAG: BRKINT ICRNL IMAXBEL IXON IXANY */
		f->c_oflag = 0x3;    /* TTYDEF_OFLAG: OPOST ONLCR */
		f->c_cflag = 0x4b00; /* TTYDEF_CFLAG: CREAD CS8 HUPCL */
		f->c_lflag = 0x5cb;  /* TTYDEF_LFLAG: ECHO ICANON ISIG IEXTEN ECHOE ECHOKE ECHOCTL */
		f->c_ispeed = f->c_ospeed = 9600;
		return 0;
	}
	default: return fail(c, FBSD_ENOTTY);
	}
}

static long utime_ns(long ns) {
	if (ns == -1) return (1l << 30) - 1; /* UTIME_NOW */
	if (ns == -2) return (1l << 30) - 2; /* UTIME_OMIT */
	return ns;
}
/* FreeBSD's timespec is Linux's (struct __kernel_timespec); only UTIME_NOW/OMIT differ. */
FBSD_CHECK_timespec(struct __kernel_timespec);
static long utimens(long dirfd, const char *path, const struct fbsd_timespec *times, long flags) {
	struct __kernel_timespec t[2];
	for (int i = 0; times && i < 2; i++) t[i].tv_sec = times[i].tv_sec, t[i].tv_nsec = utime_ns(times[i].tv_nsec);
	return sc4(__NR_utimensat, dirfd, path, times ? t : 0, flags);
}
static long t_futimens(struct call *c) { return utimens(ARG(0), 0, (const struct fbsd_timespec *)ARG(1), 0); }
static long t_utimensat(struct call *c) {
	return utimens(ARG(0), (const char *)ARG(1), (const struct fbsd_timespec *)ARG(2), at_flags(ARG(3)));
}

static long t_close_range(struct call *c) {
	/* CLOSE_RANGE_CLOEXEC is 1 << 2 on both. */
	if (ARG(2) & ~4L) return fail(c, FBSD_EINVAL);
	return sc3(__NR_close_range, ARG(0), ARG(1), ARG(2));
}
