/* sj-notify N ADDR: two loops of calls that a jail's supervisor answers (seccomp user notification):
 * listen(2) on an already-listening TCP socket bound to ADDR, and setrlimit(RLIMIT_NOFILE) moving the soft
 * limit just below the hard one (never raising the hard limit). Prints "listen_ns setrlimit_ns" for the
 * N calls of each. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const char *addr = argc > 2 ? argv[2] : "127.0.0.1";
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
	if (s < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) { perror("socket"); return 2; }
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) { perror("bind"); return 2; }
	if (listen(s, 8) != 0) { perror("listen"); return 2; }
	long long t0 = now();
	for (long i = 0; i < n; i++)
		if (listen(s, 8) != 0) { perror("listen loop"); return 2; }
	long long t1 = now();
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) { perror("getrlimit"); return 2; }
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 64) { fprintf(stderr, "hard limit too low\n"); return 2; }
	rlim_t soft = (rl.rlim_max == RLIM_INFINITY ? 65536 : rl.rlim_max) - 1;
	long long t2 = now();
	for (long i = 0; i < n; i++) {
		rl.rlim_cur = soft - (i & 1); /* soft below hard; hard unchanged */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) { perror("setrlimit loop"); return 2; }
	}
	long long t3 = now();
	printf("%lld %lld\n", t1 - t0, t3 - t2);
	return 0;
}
