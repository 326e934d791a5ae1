/* sj-syscalls N [PATH [allow]]: N rounds of getpid, open/read/close of a file and stat; prints the CPU
 * nanoseconds the process spent in the loop (its own CPU clock around it: process start and the time
 * other processes hold the CPU do not count). Run jailed and under chroot. "allow" first installs a
 * one-instruction SECCOMP_RET_ALLOW filter (the floor every seccomp jail pays: the kernel's action cache
 * answers every call, but the task takes the seccomp entry path). */
#include <fcntl.h>
#include <linux/filter.h>
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

static int allow_filter(void) {
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {1, &ret};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	if (argc > 3 && strcmp(argv[3], "allow") == 0 && allow_filter() != 0) { perror("seccomp"); return 2; }
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
