/* sj-unix-sockets N: N rounds each of socket(AF_UNIX)+close, socketpair(AF_UNIX)+close x2 and, for
 * comparison, socket(AF_INET)+close (allowed in the kernel, never notified) and listen(2) again on a
 * listening UNIX socket (a notified call that installs nothing); prints one line per kind,
 * "<kind> <ns per round>", timed with clock_gettime around each loop (process start does not count). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 10000;
	long long t0 = now();
	for (long i = 0; i < n; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0) { perror("socket(AF_UNIX)"); return 2; }
		close(s);
	}
	long long t1 = now();
	for (long i = 0; i < n; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) { perror("socketpair"); return 2; }
		close(sv[0]);
		close(sv[1]);
	}
	long long t2 = now();
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0) { perror("socket(AF_INET)"); return 2; }
		close(s);
	}
	long long t3 = now();
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(sa_family_t)) < 0 || listen(l, 8) < 0) { perror("listen"); return 2; }
	long long t4 = now();
	for (long i = 0; i < n; i++)
		if (listen(l, 8) < 0) { perror("listen loop"); return 2; }
	long long t5 = now();
	printf("unix %lld\npair %lld\ninet %lld\nlisten %lld\n", (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n,
	       (t5 - t4) / n);
	return 0;
}
