/* sj-notify-lat N: N listen(2) calls on a listening TCP socket (each answered by the jail's supervisor,
 * seccomp user notification), each timed; prints "median_ns p90_ns p99_ns".
 * sj-notify-lat hammer THREADS: THREADS threads making such calls as fast as they can, forever. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Never bound: the supervisor binds it to the jail's address on the first listen. */
static int listening(void) {
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || listen(s, 8) != 0) { perror("listen"); exit(2); }
	return s;
}

static void *hammer(void *arg) {
	(void)arg;
	int s = listening();
	for (;;) listen(s, 8);
	return NULL;
}

static int cmp(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc > 2 && argv[1][0] == 'h') {
		for (int i = 0; i < atoi(argv[2]); i++) {
			pthread_t t;
			pthread_create(&t, NULL, hammer, NULL);
		}
		for (;;) pause();
	}
	long n = argc > 1 ? atol(argv[1]) : 2000;
	long long *ns = calloc(n, sizeof *ns);
	int s = listening();
	for (long i = 0; i < n; i++) {
		long long t0 = now();
		if (listen(s, 8) != 0) { perror("listen loop"); return 2; }
		ns[i] = now() - t0;
	}
	qsort(ns, n, sizeof *ns, cmp);
	printf("%lld %lld %lld\n", ns[n / 2], ns[n * 9 / 10], ns[n * 99 / 100]);
	return 0;
}
