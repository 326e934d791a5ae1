/* sj-syscalls N [PATH [allow|landlock]]: N rounds of getpid, open/read/close of a file and stat; prints the
 * CPU nanoseconds the process spent in the loop (its own CPU clock around it: process start and the time
 * other processes hold the CPU do not count). Run jailed and under chroot. "allow" first installs a
 * one-instruction SECCOMP_RET_ALLOW filter (the floor every seccomp jail pays: the kernel's action cache
 * answers every call, but the task takes the seccomp entry path); "landlock" also enters a Landlock domain
 * like a jail's (every file system right of the kernel's ABI handled, all of them allowed beneath /). */
#define _GNU_SOURCE
#include <fcntl.h>
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

/* The file system rights of Landlock ABI 1-2, 3-4, 5+ (REFER from 2, TRUNCATE from 3, IOCTL_DEV from 5). */
static int landlock_beneath_root(void) {
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) return -1;
	__u64 rights = abi >= 5 ? (1ULL << 16) - 1 : abi >= 3 ? (1ULL << 15) - 1 : abi == 2 ? (1ULL << 14) - 1 : (1ULL << 13) - 1;
	struct landlock_ruleset_attr attr = {.handled_access_fs = rights};
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (ruleset < 0) return -1;
	struct landlock_path_beneath_attr beneath = {.allowed_access = rights, .parent_fd = open("/", O_PATH | O_CLOEXEC)};
	if (beneath.parent_fd < 0 || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0) return -1;
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
	if (argc > 3 && strcmp(argv[3], "landlock") == 0 && landlock_beneath_root() != 0) { perror("landlock"); return 2; }
	if (argc > 3 && allow_filter() != 0) { perror("seccomp"); return 2; }
	char buf[256];
	struct stat st;
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
