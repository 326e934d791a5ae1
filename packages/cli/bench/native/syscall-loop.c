/* sj-syscalls N: N rounds of getpid, open/read/close of a file and stat; prints the nanoseconds spent in
 * the loop (clock_gettime around it), so process start does not count. Run jailed and under chroot. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100000;
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
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
