/* sj-syscalls N [PATH [none|allow|landlock|landlock-top|landlock-file|landlock-noread [split]]]: N rounds of getpid, open/read/close of a
 * file and stat; prints the CPU nanoseconds the process spent in the loop (its own CPU clock around it:
 * process start and the time other processes hold the CPU do not count). Run jailed and under chroot.
 * "allow" first installs a one-instruction SECCOMP_RET_ALLOW filter (the floor every seccomp jail pays:
 * the kernel's action cache answers every call, but the task takes the seccomp entry path); "landlock"
 * also enters a Landlock domain like a jail's (every file system right of the kernel's ABI handled, all
 * of them allowed beneath /), "landlock-top" the same with the rule also on each top-level directory on
 * /'s own mount (as a jail has it), "landlock-file" with it also on PATH itself (Landlock's walk up from the
 * file ends at once: what its check costs without the walk), "landlock-noread" with the rule on / but
 * without the rights open(O_RDONLY) asks for handled (READ_FILE, TRUNCATE, IOCTL_DEV: no check of the
 * path at all; not a confinement, a measurement); "none" neither. With "split", three loops of N instead, one per kind
 * of call, and their three CPU times on one line: getpid, open+read+close, stat. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A rule with these rights on each directory directly beneath / that is on its mount (not a mount point). */
static int rules_on_top_level(int ruleset, __u64 rights) {
	DIR *d = opendir("/");
	if (!d) return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
		struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
				       .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH};
		int fd = (int)syscall(SYS_openat2, dirfd(d), e->d_name, &how, sizeof how);
		if (fd < 0) continue;
		struct landlock_path_beneath_attr rule = {.allowed_access = rights, .parent_fd = fd};
		int r = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
		close(fd);
		if (r != 0) return -1;
	}
	closedir(d);
	return 0;
}

#define READ_FILE (1ULL << 2)
#define FILE_RIGHTS ((1ULL << 0) | (1ULL << 1) | READ_FILE | (1ULL << 14) | (1ULL << 15)) /* + TRUNCATE, IOCTL_DEV */

/* The file system rights of Landlock ABI 1-2, 3-4, 5+ (REFER from 2, TRUNCATE from 3, IOCTL_DEV from 5). */
static int landlock_beneath_root(const char *mode, const char *path) {
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) return -1;
	__u64 rights = abi >= 5 ? (1ULL << 16) - 1 : abi >= 3 ? (1ULL << 15) - 1 : abi == 2 ? (1ULL << 14) - 1 : (1ULL << 13) - 1;
	if (strcmp(mode, "landlock-noread") == 0) rights &= ~(READ_FILE | (1ULL << 14) | (1ULL << 15));
	struct landlock_ruleset_attr attr = {.handled_access_fs = rights};
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (ruleset < 0) return -1;
	struct landlock_path_beneath_attr beneath = {.allowed_access = rights, .parent_fd = open("/", O_PATH | O_CLOEXEC)};
	if (beneath.parent_fd < 0 || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0) return -1;
	if (strcmp(mode, "landlock-top") == 0 && rules_on_top_level(ruleset, rights) != 0) return -1;
	if (strcmp(mode, "landlock-file") == 0) {
		struct landlock_path_beneath_attr file = {.allowed_access = rights & FILE_RIGHTS, .parent_fd = open(path, O_PATH | O_CLOEXEC)};
		if (file.parent_fd < 0 || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &file, 0) != 0) return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
	return (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
}

static int allow_filter(void) {
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {1, &ret};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	const char *mode = argc > 3 ? argv[3] : "none";
	int split = argc > 4 && strcmp(argv[4], "split") == 0;
	if (strncmp(mode, "landlock", 8) == 0 && landlock_beneath_root(mode, path) != 0) { perror("landlock"); return 2; }
	if (strcmp(mode, "none") != 0 && allow_filter() != 0) { perror("seccomp"); return 2; }
	char buf[256];
	struct stat st;
	if (split) {
		long long t0 = now();
		for (long i = 0; i < n; i++) syscall(SYS_getpid);
		long long t1 = now();
		for (long i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) { perror("open"); return 2; }
			if (read(fd, buf, sizeof buf) < 0) { perror("read"); return 2; }
			close(fd);
		}
		long long t2 = now();
		for (long i = 0; i < n; i++)
			if (stat(path, &st) != 0) { perror("stat"); return 2; }
		long long t3 = now();
		printf("%lld %lld %lld\n", t1 - t0, t2 - t1, t3 - t2);
		return 0;
	}
	long long t0 = now();
	for (long i = 0; i < n; i++) {
		syscall(SYS_getpid); /* not the libc wrapper: glibc may cache it */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) { perror("open"); return 2; }
		if (read(fd, buf, sizeof buf) < 0) { perror("read"); return 2; }
		close(fd);
		if (stat(path, &st) != 0) { perror("stat"); return 2; }
	}
	long long t1 = now();
	printf("%lld\n", t1 - t0);
	return 0;
}
