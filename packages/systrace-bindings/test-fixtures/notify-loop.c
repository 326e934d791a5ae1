/* Benchmark victim: N notified getppid() calls (answered by the supervisor), then N plain getpid(). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 10000;
	double t0 = now_us();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getppid, i) != 42) { fprintf(stderr, "bad answer at %ld\n", i); return 1; }
	double t1 = now_us();
	for (long i = 0; i < n; i++) syscall(SYS_getpid);
	double t2 = now_us();
	printf("%.3f %.3f\n", (t1 - t0) / n, (t2 - t1) / n);
	return 0;
}
