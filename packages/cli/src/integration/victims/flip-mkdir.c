/*
 * flip-mkdir N: mkdir(2) of a path another thread keeps flipping between /tmp/flip and /etc/flip,
 * N times; after each success /tmp/flip is removed again (/etc/flip never: it must never be made). Prints "made N, failed N".
 * A listener that decided on the string and let the kernel read it again would make /etc/flip.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile char path[32] = "/tmp/flip";

static void spell(const char *dir) {
	for (int i = 0; i < 3; i++)
		path[1 + i] = dir[i];
}
static atomic_int stop;

static void *flipper(void *arg) {
	(void)arg;
	/* Each spelling for about as long: the copy sees both. */
	while (!atomic_load(&stop)) {
		spell("etc");
		for (volatile int i = 0; i < 2000; i++) {}
		spell("tmp");
		for (volatile int i = 0; i < 2000; i++) {}
	}
	return NULL;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000;
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	long made = 0, failed = 0;
	for (long i = 0; i < n; i++) {
		if (syscall(SYS_mkdir, (const char *)path, 0755) == 0) {
			made++;
			rmdir("/tmp/flip");
		} else {
			failed++;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("made %ld, failed %ld\n", made, failed);
	return 0;
}
