/*
 * libsysjail-launch: starts a process with clone3 (namespace flags, CLONE_INTO_CGROUP, CLONE_PIDFD) and
 * runs, in the child between clone and exec, the setup program that TypeScript compiled
 * (src/launcher/setup-program.ts, which documents the encoding). A dumb interpreter: every decision
 * (which namespaces, mounts, capabilities, filter) is in the program; this file only performs it, in
 * order, and stops at the first failure, reporting the record's index, the system call and errno. The
 * child never execs half-configured.
 *
 * The child is made vfork-style (CLONE_VM | CLONE_VFORK on a stack of its own, as posix_spawn does), so
 * that starting it from a big process does not copy its page tables; the caller's thread waits until the
 * child has exec'd or exited. The child shares the caller's memory: it allocates nothing, takes no lock,
 * runs with every signal blocked and every handler reset to the default, and only makes system calls.
 * The program can ask for a fork-style child instead (no CLONE_VM: the bench compares both).
 *
 * The child reports over a socketpair (close-on-exec, so its end closes when it execs): one message, a
 * failure or "set up" with the seccomp listener attached (SCM_RIGHTS), then EOF.
 *
 * Entry points (called through koffi from the calling JavaScript thread):
 *   int sysjail_launch(const uint8_t *program, uint32_t len, int32_t out[4], char detail[64])
 *   int sysjail_describe(const uint8_t *program, uint32_t len, char *text, uint32_t size)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAGIC 0x314c4a53u /* "SJL1" */
#define MAX_FIELDS 32
#define MAX_STDIO 16
#define STACK_SIZE (256 * 1024)

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The record codes, as setup-program.ts numbers them (the describe test checks both agree by name). */
enum code {
	OP_SPAWN = 0,
	OP_UNSHARE = 1,
	OP_MOUNT = 2,
	OP_MOUNT_PROC = 3,
	OP_BIND_IN_ROOT = 4,
	OP_TMPFS_IN_ROOT = 5,
	OP_UMOUNT2 = 6,
	OP_SETHOSTNAME = 7,
	OP_SETDOMAINNAME = 8,
	OP_PIVOT_ROOT = 9,
	OP_CHDIR = 10,
	OP_FCHDIR = 11,
	OP_CHROOT = 12,
	OP_MKDIR = 13,
	OP_MKNOD = 14,
	OP_SYMLINK = 15,
	OP_DROP_BOUNDING_SET = 16,
	OP_SET_CAPABILITIES = 17,
	OP_NO_NEW_PRIVS = 18,
	OP_LANDLOCK = 19,
	OP_SECCOMP = 20,
	OP_COUNT
};

static const char *const code_names[OP_COUNT] = {
	"spawn", "unshare", "mount", "mountProc", "bindInRoot", "tmpfsInRoot", "umount2",
	"sethostname", "setdomainname", "pivotRoot", "chdir", "fchdir", "chroot", "mkdir", "mknod",
	"symlink", "dropBoundingSet", "setCapabilities", "noNewPrivs", "landlock", "seccomp",
};

enum kind { F_INT = 1, F_STR = 2, F_NULL = 3, F_BYTES = 4 };

struct field {
	uint32_t kind;
	uint64_t num;
	const char *str; /* F_STR: NUL-terminated in the program; F_BYTES: the bytes */
	uint32_t len;
};

struct record {
	uint32_t code;
	uint32_t nfields;
	struct field f[MAX_FIELDS];
};

/* The spawn record, decoded: how to clone and what to exec. */
struct spawn {
	uint64_t clone_flags;
	int cgroup_fd, death_signal, exec_fd, vm;
	const char *path, *cwd;
	char **argv, **envp;
	int nstdio;
	int stdio[MAX_STDIO];
};

struct program {
	struct spawn spawn;
	uint32_t nops;
	struct record *ops;
};

/* --- decoding (in the caller, before the clone: the child only runs what decoded) --- */

struct cursor {
	const uint8_t *p, *end;
};

static int take_u32(struct cursor *c, uint32_t *v) {
	if (c->end - c->p < 4)
		return -1;
	memcpy(v, c->p, 4);
	c->p += 4;
	return 0;
}

static int take_field(struct cursor *c, struct field *f) {
	if (take_u32(c, &f->kind) != 0)
		return -1;
	f->str = NULL;
	f->len = 0;
	f->num = 0;
	switch (f->kind) {
	case F_INT:
		if (c->end - c->p < 8)
			return -1;
		memcpy(&f->num, c->p, 8);
		c->p += 8;
		return 0;
	case F_NULL:
		return 0;
	case F_STR:
	case F_BYTES: {
		if (take_u32(c, &f->len) != 0)
			return -1;
		size_t padded = ((size_t)f->len + 1 + 3) & ~(size_t)3; /* data, a NUL, padding to 4 */
		if ((size_t)(c->end - c->p) < padded || c->p[f->len] != 0)
			return -1;
		f->str = (const char *)c->p;
		if (f->kind == F_STR && memchr(f->str, 0, f->len) != NULL)
			return -1;
		c->p += padded;
		return 0;
	}
	default:
		return -1;
	}
}

static int take_record(struct cursor *c, struct record *r) {
	if (take_u32(c, &r->code) != 0 || take_u32(c, &r->nfields) != 0)
		return -1;
	if (r->code >= OP_COUNT || (r->code != OP_SPAWN && r->nfields > MAX_FIELDS))
		return -1;
	if (r->code == OP_SPAWN)
		return 0; /* its fields are read by decode_spawn */
	for (uint32_t i = 0; i < r->nfields; i++)
		if (take_field(c, &r->f[i]) != 0)
			return -1;
	return 0;
}

/* Each op's fields: i int, s string, S string or null, b bytes, + any number of (s, S) pairs after. */
static const char *const shapes[OP_COUNT] = {
	[OP_UNSHARE] = "i",
	[OP_MOUNT] = "SsSiS",
	[OP_MOUNT_PROC] = "si+",
	[OP_BIND_IN_ROOT] = "sssi",
	[OP_TMPFS_IN_ROOT] = "ssi+",
	[OP_UMOUNT2] = "si",
	[OP_SETHOSTNAME] = "s",
	[OP_SETDOMAINNAME] = "s",
	[OP_PIVOT_ROOT] = "ss",
	[OP_CHDIR] = "s",
	[OP_FCHDIR] = "i",
	[OP_CHROOT] = "s",
	[OP_MKDIR] = "si",
	[OP_MKNOD] = "siii",
	[OP_SYMLINK] = "ss",
	[OP_DROP_BOUNDING_SET] = "i",
	[OP_SET_CAPABILITIES] = "iii",
	[OP_NO_NEW_PRIVS] = "",
	[OP_LANDLOCK] = "iiSi",
	[OP_SECCOMP] = "ib",
};

static int matches(char shape, uint32_t kind) {
	switch (shape) {
	case 'i': return kind == F_INT;
	case 's': return kind == F_STR;
	case 'S': return kind == F_STR || kind == F_NULL;
	case 'b': return kind == F_BYTES;
	default: return 0;
	}
}

static int check_shape(const struct record *r) {
	const char *s = shapes[r->code];
	uint32_t i = 0;
	for (; *s && *s != '+'; s++, i++)
		if (i >= r->nfields || !matches(*s, r->f[i].kind))
			return -1;
	if (*s == '+') {
		if ((r->nfields - i) % 2 != 0)
			return -1;
		for (; i < r->nfields; i += 2)
			if (!matches('s', r->f[i].kind) || !matches('S', r->f[i + 1].kind))
				return -1;
	}
	return i == r->nfields ? 0 : -1;
}

static int take_int(struct cursor *c, uint64_t *v) {
	struct field f;
	if (take_field(c, &f) != 0 || f.kind != F_INT)
		return -1;
	*v = f.num;
	return 0;
}

static int take_str(struct cursor *c, const char **s, int nullable) {
	struct field f;
	if (take_field(c, &f) != 0)
		return -1;
	if (f.kind == F_NULL && nullable) {
		*s = NULL;
		return 0;
	}
	if (f.kind != F_STR)
		return -1;
	*s = f.str;
	return 0;
}

static char **take_strings(struct cursor *c) {
	uint64_t n;
	if (take_int(c, &n) != 0 || n > 65536)
		return NULL;
	char **v = calloc(n + 1, sizeof *v);
	if (!v)
		return NULL;
	for (uint64_t i = 0; i < n; i++)
		if (take_str(c, (const char **)&v[i], 0) != 0) {
			free(v);
			return NULL;
		}
	return v;
}

/* spawn: clone flags, cgroup fd, death signal, exec fd, vm, path|null, cwd|null, argv, envp, stdio. */
static int decode_spawn(struct cursor *c, struct spawn *s) {
	uint64_t v[5], n;
	for (int i = 0; i < 5; i++)
		if (take_int(c, &v[i]) != 0)
			return -1;
	s->clone_flags = v[0];
	s->cgroup_fd = (int)(int64_t)v[1];
	s->death_signal = (int)v[2];
	s->exec_fd = (int)(int64_t)v[3];
	s->vm = (int)v[4];
	if (take_str(c, &s->path, 1) != 0 || take_str(c, &s->cwd, 1) != 0)
		return -1;
	if ((s->path == NULL) == (s->exec_fd < 0))
		return -1;
	if (!(s->argv = take_strings(c)))
		return -1;
	if (!(s->envp = take_strings(c)))
		return -1;
	if (take_int(c, &n) != 0 || n > MAX_STDIO)
		return -1;
	s->nstdio = (int)n;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t fd;
		if (take_int(c, &fd) != 0 || (int64_t)fd < 0 || fd > INT32_MAX)
			return -1;
		s->stdio[i] = (int)fd;
	}
	return 0;
}

static void free_program(struct program *p) {
	free(p->spawn.argv);
	free(p->spawn.envp);
	free(p->ops);
}

/* Returns 0, or -1 with *bad the index of the record that did not decode (-1: the header). */
static int decode(const uint8_t *buf, uint32_t len, struct program *p, int *bad) {
	struct cursor c = { buf, buf + len };
	uint32_t magic, nrecords;
	memset(p, 0, sizeof *p);
	*bad = -1;
	if (take_u32(&c, &magic) != 0 || magic != MAGIC || take_u32(&c, &nrecords) != 0 || nrecords == 0 ||
	    nrecords > 100000)
		return -1;
	struct record spawn;
	*bad = 0;
	if (take_record(&c, &spawn) != 0 || spawn.code != OP_SPAWN || decode_spawn(&c, &p->spawn) != 0)
		return -1;
	p->nops = nrecords - 1;
	p->ops = calloc(p->nops ? p->nops : 1, sizeof *p->ops);
	if (!p->ops)
		return -1;
	for (uint32_t i = 0; i < p->nops; i++) {
		*bad = (int)i + 1;
		struct record *r = &p->ops[i];
		if (take_record(&c, r) != 0 || r->code == OP_SPAWN || check_shape(r) != 0)
			return -1;
		if (r->code == OP_SECCOMP && (r->f[1].len == 0 || r->f[1].len % 8 != 0 || r->f[1].len / 8 > 4096))
			return -1;
	}
	*bad = -1;
	return c.p == c.end ? 0 : -1;
}

/* --- the child --- */

struct report {
	int32_t kind; /* REPORT_* */
	int32_t index; /* the failed op's index in the setup list (records after spawn) */
	int32_t err;
	char syscall[52];
};
enum { REPORT_READY = 1, REPORT_SETUP_FAILED = 2, REPORT_SPAWN_FAILED = 3 };

struct child {
	const struct program *p;
	int report_fd;
	int listener;
	sigset_t *old_mask;
};

static void send_report(struct child *ch, int kind, int index, int err, const char *syscall, int fd) {
	struct report r = { .kind = kind, .index = index, .err = err };
	strncpy(r.syscall, syscall, sizeof r.syscall - 1);
	struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	sendmsg(ch->report_fd, &mh, MSG_NOSIGNAL);
}

/* A failed system call: `what` names it; errno is the kernel's. */
struct failure {
	const char *what;
	int err;
};

#define TRY(call, name)                                                                                  \
	do {                                                                                             \
		if ((call) < 0) {                                                                        \
			f->what = (name);                                                                \
			f->err = errno;                                                                  \
			return -1;                                                                       \
		}                                                                                        \
	} while (0)

static long sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux) {
	return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

/* fsconfig string options (pairs from field `from` on), then create and fsmount with `attrs`. */
static int configure_and_mount(const struct record *r, uint32_t from, int fs, uint64_t attrs,
			       struct failure *f) {
	for (uint32_t i = from; i + 1 < r->nfields; i += 2) {
		if (r->f[i + 1].kind == F_NULL)
			TRY(sys_fsconfig(fs, FSCONFIG_SET_FLAG, r->f[i].str, NULL, 0), "fsconfig");
		else
			TRY(sys_fsconfig(fs, FSCONFIG_SET_STRING, r->f[i].str, r->f[i + 1].str, 0), "fsconfig");
	}
	TRY(sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0), "fsconfig");
	long m = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
	TRY(m, "fsmount");
	return (int)m;
}

/* Attaches `mnt` at `target` resolved inside `root` (RESOLVE_IN_ROOT: no link leads out). */
static int attach_in_root(int mnt, const char *root, const char *target, struct failure *f) {
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	TRY(rootfd, "openat");
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long dest = syscall(SYS_openat2, rootfd, target, &how, sizeof how);
	int err = errno;
	close(rootfd);
	errno = err;
	TRY(dest, "openat2");
	long r = syscall(SYS_move_mount, mnt, "", (int)dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	err = errno;
	close((int)dest);
	errno = err;
	TRY(r, "move_mount");
	return 0;
}

/*
 * The landlock op's rules on the directories directly beneath `beneath` (the descriptor the op's own
 * rule was put on, not its path again; at most `max`): a directory reached without a symlink and
 * without crossing a mount (RESOLVE_NO_XDEV: not a mount point, nothing mounted over it) gets a rule
 * with `access`, so Landlock's walk up from a file opened below it ends there instead of at `beneath`.
 * Anything else is left to the rule on `beneath`.
 */
static int landlock_subdirectories(int rs, int beneath, uint64_t access, uint64_t max,
				   struct failure *f) {
	int d = openat(beneath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0) {
		f->what = "openat";
		f->err = errno;
		return -1;
	}
	uint64_t added = 0;
	char buf[4096] __attribute__((aligned(8)));
	long n = 0;
	while (added < max && (n = syscall(SYS_getdents64, d, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n && added < max;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			off += e->d_reclen;
			if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) || !strcmp(e->d_name, ".") ||
			    !strcmp(e->d_name, ".."))
				continue;
			struct open_how how = {
				.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
			};
			int sub = (int)syscall(SYS_openat2, d, e->d_name, &how, sizeof how);
			if (sub < 0)
				continue;
			struct landlock_path_beneath_attr rule = { .allowed_access = access, .parent_fd = sub };
			long r = syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
			int err = errno;
			close(sub);
			if (r < 0) {
				close(d);
				f->what = "landlock_add_rule";
				f->err = err;
				return -1;
			}
			added++;
		}
	}
	int err = errno;
	close(d);
	if (n < 0) {
		f->what = "getdents64";
		f->err = err;
		return -1;
	}
	return 0;
}

/* mkdir -p with `mode` for what it makes, then chmod (no umask) of the last. */
static int make_dirs(const char *path, mode_t mode, struct failure *f) {
	char buf[4096];
	size_t n = strlen(path);
	if (n >= sizeof buf) {
		f->what = "mkdir";
		f->err = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			f->what = "mkdir";
			f->err = errno;
			return -1;
		}
		buf[i] = c;
	}
	TRY(chmod(path, mode), "chmod");
	return 0;
}

static int run_op(struct child *ch, const struct record *r, struct failure *f) {
	const struct field *a = r->f;
	switch (r->code) {
	case OP_UNSHARE:
		TRY(unshare((int)a[0].num), "unshare");
		return 0;
	case OP_MOUNT:
		TRY(mount(a[0].str, a[1].str, a[2].str, a[3].num, a[4].str), "mount");
		return 0;
	case OP_MOUNT_PROC: {
		/* procfs of this process's PID namespace (the child is its first process). */
		long fs = syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
		TRY(fs, "fsopen");
		int mnt = configure_and_mount(r, 2, (int)fs, a[1].num, f);
		close((int)fs);
		if (mnt < 0)
			return -1;
		long m = syscall(SYS_move_mount, mnt, "", AT_FDCWD, a[0].str, MOVE_MOUNT_F_EMPTY_PATH);
		int err = errno;
		close(mnt);
		errno = err;
		TRY(m, "move_mount");
		return 0;
	}
	case OP_BIND_IN_ROOT: {
		long tree = syscall(SYS_open_tree, AT_FDCWD, a[0].str, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		TRY(tree, "open_tree");
		struct mount_attr attr = {
			.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (a[3].num ? MOUNT_ATTR_RDONLY : 0),
		};
		int rc = -1;
		if (syscall(SYS_mount_setattr, (int)tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
			f->what = "mount_setattr";
			f->err = errno;
		} else {
			rc = attach_in_root((int)tree, a[1].str, a[2].str, f);
		}
		close((int)tree);
		return rc;
	}
	case OP_TMPFS_IN_ROOT: {
		long fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
		TRY(fs, "fsopen");
		uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (a[2].num ? MOUNT_ATTR_RDONLY : 0);
		int mnt = configure_and_mount(r, 3, (int)fs, attrs, f);
		close((int)fs);
		if (mnt < 0)
			return -1;
		int rc = attach_in_root(mnt, a[0].str, a[1].str, f);
		close(mnt);
		return rc;
	}
	case OP_UMOUNT2:
		TRY(umount2(a[0].str, (int)a[1].num), "umount2");
		return 0;
	case OP_SETHOSTNAME:
		TRY(sethostname(a[0].str, a[0].len), "sethostname");
		return 0;
	case OP_SETDOMAINNAME:
		TRY(setdomainname(a[0].str, a[0].len), "setdomainname");
		return 0;
	case OP_PIVOT_ROOT:
		TRY(syscall(SYS_pivot_root, a[0].str, a[1].str), "pivot_root");
		return 0;
	case OP_CHDIR:
		TRY(chdir(a[0].str), "chdir");
		return 0;
	case OP_FCHDIR:
		TRY(fchdir((int)a[0].num), "fchdir");
		return 0;
	case OP_CHROOT:
		TRY(chroot(a[0].str), "chroot");
		return 0;
	case OP_MKDIR:
		return make_dirs(a[0].str, (mode_t)a[1].num, f);
	case OP_MKNOD:
		TRY(mknod(a[0].str, (mode_t)a[1].num, makedev(a[2].num, a[3].num)), "mknodat");
		TRY(chmod(a[0].str, (mode_t)a[1].num & 07777), "chmod"); /* the umask applied to mknod */
		return 0;
	case OP_SYMLINK:
		TRY(symlink(a[0].str, a[1].str), "symlink");
		return 0;
	case OP_DROP_BOUNDING_SET:
		for (int cap = 0; cap < 64; cap++) {
			if (a[0].num >> cap & 1)
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
				if (errno == EINVAL)
					break; /* past the kernel's last capability */
				f->what = "prctl";
				f->err = errno;
				return -1;
			}
		}
		return 0;
	case OP_SET_CAPABILITIES: {
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
		struct __user_cap_data_struct d[2];
		for (int i = 0; i < 2; i++) {
			d[i].effective = (uint32_t)(a[0].num >> (32 * i));
			d[i].permitted = (uint32_t)(a[1].num >> (32 * i));
			d[i].inheritable = (uint32_t)(a[2].num >> (32 * i));
		}
		TRY(syscall(SYS_capset, &h, d), "capset");
		return 0;
	}
	case OP_NO_NEW_PRIVS:
		TRY(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl");
		return 0;
	case OP_LANDLOCK: {
		/* struct landlock_ruleset_attr as Linux 6.12 has it: handled fs, handled net, scoped. */
		uint64_t attr[3] = { a[0].num, 0, a[1].num };
		long rs = syscall(SYS_landlock_create_ruleset, attr, sizeof attr, 0);
		TRY(rs, "landlock_create_ruleset");
		int rc = 0;
		if (a[2].kind == F_STR) {
			int dir = open(a[2].str, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0) {
				f->what = "openat";
				f->err = errno;
				rc = -1;
			} else {
				struct landlock_path_beneath_attr rule = { .allowed_access = a[0].num, .parent_fd = dir };
				if (syscall(SYS_landlock_add_rule, (int)rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0) {
					f->what = "landlock_add_rule";
					f->err = errno;
					rc = -1;
				}
				if (rc == 0 && a[3].num > 0)
					rc = landlock_subdirectories((int)rs, dir, a[0].num, a[3].num, f);
				close(dir);
			}
		}
		if (rc == 0 && syscall(SYS_landlock_restrict_self, (int)rs, 0) < 0) {
			f->what = "landlock_restrict_self";
			f->err = errno;
			rc = -1;
		}
		close((int)rs);
		return rc;
	}
	case OP_SECCOMP: {
		uint64_t flags = a[0].num;
		if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
			/* refused as the worker launcher refused it (the encoder refuses it first) */
			f->what = "seccomp";
			f->err = EINVAL;
			return -1;
		}
		struct sock_fprog prog = { .len = (unsigned short)(a[1].len / 8),
					   .filter = (struct sock_filter *)(uintptr_t)a[1].str };
		long r2 = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)flags, &prog);
		TRY(r2, "seccomp");
		if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
			if (ch->listener >= 0)
				close(ch->listener);
			ch->listener = (int)r2;
		}
		return 0;
	}
	}
	f->what = "decode";
	f->err = EINVAL;
	return -1;
}

/* The stdio map: fd i of the child is the caller's stdio[i]; everything else is close-on-exec. */
static int arrange_fds(struct child *ch, struct failure *f) {
	const struct spawn *s = &ch->p->spawn;
	int n = s->nstdio;
	int tmp[MAX_STDIO];
	if (ch->report_fd < n) {
		int moved = fcntl(ch->report_fd, F_DUPFD_CLOEXEC, n);
		TRY(moved, "fcntl");
		ch->report_fd = moved;
	}
	for (int i = 0; i < n; i++) {
		tmp[i] = fcntl(s->stdio[i], F_DUPFD_CLOEXEC, n);
		TRY(tmp[i], "fcntl");
	}
	for (int i = 0; i < n; i++) {
		TRY(dup2(tmp[i], i), "dup2");
		close(tmp[i]);
	}
	TRY(syscall(SYS_close_range, n, ~0U, CLOSE_RANGE_CLOEXEC), "close_range");
	return 0;
}

/* The kernel's struct sigaction (not glibc's). */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static int child_main(void *arg) {
	struct child *ch = arg;
	const struct spawn *s = &ch->p->spawn;
	struct failure f = { "", 0 };
	/* No handler of the caller's may run here, and none of its ignored signals reach the command (Node
	 * ignores SIGPIPE): every disposition back to the default, signals still blocked. */
	for (int sig = 1; sig < _NSIG; sig++) {
		struct kernel_sigaction sa, dfl = { 0 };
		if (sig != SIGKILL && sig != SIGSTOP && syscall(SYS_rt_sigaction, sig, NULL, &sa, 8) == 0 &&
		    sa.handler != SIG_DFL)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
	}
	if (s->death_signal > 0 && prctl(PR_SET_PDEATHSIG, s->death_signal, 0, 0, 0) < 0) {
		send_report(ch, REPORT_SPAWN_FAILED, -1, errno, "prctl", -1);
		_exit(127);
	}
	if (arrange_fds(ch, &f) != 0) {
		send_report(ch, REPORT_SPAWN_FAILED, -1, f.err, f.what, -1);
		_exit(127);
	}
	for (uint32_t i = 0; i < ch->p->nops; i++) {
		if (run_op(ch, &ch->p->ops[i], &f) != 0) {
			send_report(ch, REPORT_SETUP_FAILED, (int)i, f.err, f.what, -1);
			_exit(127);
		}
	}
	if (s->cwd && chdir(s->cwd) < 0) {
		send_report(ch, REPORT_SPAWN_FAILED, -1, errno, "chdir", -1);
		_exit(127);
	}
	send_report(ch, REPORT_READY, -1, 0, "", ch->listener);
	if (ch->listener >= 0)
		close(ch->listener);
	sigset_t none;
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
	if (s->exec_fd >= 0)
		syscall(SYS_execveat, s->exec_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
	else
		execve(s->path, s->argv, s->envp);
	send_report(ch, REPORT_SPAWN_FAILED, -1, errno, s->exec_fd >= 0 ? "execveat" : "execve", -1);
	_exit(127);
}

/* clone_args of linux/sched.h (Linux 5.7: with cgroup). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

#if defined(__x86_64__)
/*
 * clone3 with a stack of the caller's: the child starts on `stack + stack_size` and calls fn(arg) there
 * (both stored at the top of that stack before the call), then exits with its return value.
 */
__attribute__((noinline)) static long clone3_on_stack(struct clone3_args *args, int (*fn)(void *), void *arg) {
	uint64_t *top = (uint64_t *)(uintptr_t)(args->stack + args->stack_size);
	top[-2] = (uint64_t)(uintptr_t)fn;
	top[-1] = (uint64_t)(uintptr_t)arg;
	args->stack_size -= 16;
	long ret;
	__asm__ volatile(
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 1f\n\t"
		"xor %%ebp, %%ebp\n\t"
		"pop %%rax\n\t"
		"pop %%rdi\n\t"
		"call *%%rax\n\t"
		"mov %%eax, %%edi\n\t"
		"mov $60, %%eax\n\t" /* exit */
		"syscall\n\t"
		"hlt\n\t"
		"1:\n\t"
		: "=a"(ret)
		: "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args)
		: "rcx", "r11", "memory");
	return ret;
}
#endif

/*
 * Starts the program's child. Returns 0 (out: pid, pidfd, listener fd or -1), 1 when an op failed (out[3]
 * its index, detail its system call, out[2] errno), 2 when the spawn failed (detail, errno in out[2]), 3
 * when the program does not decode (out[3]: the record's index, -1 for the header).
 */
int sysjail_launch(const uint8_t *buf, uint32_t len, int32_t out[4], char detail[64]) {
	struct program p;
	int bad;
	out[0] = out[1] = out[2] = out[3] = -1;
	detail[0] = 0;
	if (decode(buf, len, &p, &bad) != 0) {
		free_program(&p);
		out[3] = bad;
		return 3;
	}
	int rc = 2;
	int sv[2] = { -1, -1 };
	void *stack = MAP_FAILED;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		out[2] = errno;
		strcpy(detail, "socketpair");
		goto done;
	}
	int pidfd = -1;
	struct child ch = { .p = &p, .report_fd = sv[1], .listener = -1 };
	struct clone3_args args = {
		.flags = p.spawn.clone_flags | CLONE_PIDFD | (p.spawn.cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)(p.spawn.cgroup_fd >= 0 ? p.spawn.cgroup_fd : 0),
	};
#if defined(__x86_64__)
	int vm = p.spawn.vm;
#else
	int vm = 0;
#endif
	if (vm) {
		stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED) {
			out[2] = errno;
			strcpy(detail, "mmap");
			goto done;
		}
		args.flags |= CLONE_VM | CLONE_VFORK;
		args.stack = (uint64_t)(uintptr_t)stack;
		args.stack_size = STACK_SIZE;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	long pid;
#if defined(__x86_64__)
	if (vm)
		pid = clone3_on_stack(&args, child_main, &ch);
	else
#endif
	{
		pid = syscall(SYS_clone3, &args, sizeof args);
		if (pid == 0)
			_exit(child_main(&ch));
	}
	int clone_errno = pid < 0 ? (vm ? (int)-pid : errno) : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	sv[1] = -1;
	if (pid < 0) {
		out[2] = clone_errno;
		strcpy(detail, "clone3");
		goto done;
	}
	/* The child's reports, until its end of the socket closes (exec or exit). */
	struct report r, got = { 0 };
	int listener = -1;
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		ssize_t n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&listener, CMSG_DATA(cm), sizeof listener);
		if ((size_t)n == sizeof r && (got.kind == 0 || r.kind != REPORT_READY))
			got = r;
	}
	if (got.kind == REPORT_READY) {
		out[0] = (int32_t)pid;
		out[1] = pidfd;
		out[2] = listener;
		rc = 0;
		goto done;
	}
	if (listener >= 0)
		close(listener);
	siginfo_t si;
	while (waitid(P_PIDFD, pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
	close(pidfd);
	if (got.kind == REPORT_SETUP_FAILED) {
		rc = 1;
		out[3] = got.index;
	} else {
		rc = 2;
	}
	out[2] = got.kind ? got.err : ECHILD;
	strncpy(detail, got.kind ? got.syscall : "child ended before it reported", 51);
	detail[51] = 0;
done:
	if (stack != MAP_FAILED)
		munmap(stack, STACK_SIZE);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free_program(&p);
	return rc;
}

/* --- describe: the decoded program as text, one record a line (for the encoder's round-trip test) --- */

struct text {
	char *p;
	size_t left;
	int overflow;
};

static void put(struct text *t, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->p, t->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->left) {
		t->overflow = 1;
		t->left = 0;
		return;
	}
	t->p += n;
	t->left -= (size_t)n;
}

static void put_str(struct text *t, const char *s) {
	if (!s) {
		put(t, " null");
		return;
	}
	put(t, " \"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			put(t, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			put(t, "\\u%04x", c);
		else
			put(t, "%c", c);
	}
	put(t, "\"");
}

/*
 * Lines: `spawn flags cgroup deathsig execfd vm path cwd [argv] [envp] [stdio]`, then per op
 * `name field...`: ints in decimal, strings JSON-quoted, null, bytes as `bytes:LEN:FNV1A`.
 * Returns the text's length, -1 when it does not decode (text: why), -2 when `size` is too small.
 */
int sysjail_describe(const uint8_t *buf, uint32_t len, char *text, uint32_t size) {
	struct program p;
	int bad;
	struct text t = { text, size, 0 };
	if (decode(buf, len, &p, &bad) != 0) {
		free_program(&p);
		put(&t, "bad record %d", bad);
		return -1;
	}
	const struct spawn *s = &p.spawn;
	put(&t, "spawn %llu %d %d %d %d", (unsigned long long)s->clone_flags, s->cgroup_fd, s->death_signal,
	    s->exec_fd, s->vm);
	put_str(&t, s->path);
	put_str(&t, s->cwd);
	put(&t, " [");
	for (char **a = s->argv; *a; a++)
		put_str(&t, *a);
	put(&t, " ] [");
	for (char **e = s->envp; *e; e++)
		put_str(&t, *e);
	put(&t, " ] [");
	for (int i = 0; i < s->nstdio; i++)
		put(&t, " %d", s->stdio[i]);
	put(&t, " ]\n");
	for (uint32_t i = 0; i < p.nops; i++) {
		const struct record *r = &p.ops[i];
		put(&t, "%s", code_names[r->code]);
		for (uint32_t k = 0; k < r->nfields; k++) {
			const struct field *f = &r->f[k];
			if (f->kind == F_INT)
				put(&t, " %llu", (unsigned long long)f->num);
			else if (f->kind == F_NULL)
				put(&t, " null");
			else if (f->kind == F_STR)
				put_str(&t, f->str);
			else {
				uint32_t h = 2166136261u;
				for (uint32_t j = 0; j < f->len; j++)
					h = (h ^ (uint8_t)f->str[j]) * 16777619u;
				put(&t, " bytes:%u:%u", f->len, h);
			}
		}
		put(&t, "\n");
	}
	free_program(&p);
	if (t.overflow)
		return -2;
	return (int)(size - t.left);
}
