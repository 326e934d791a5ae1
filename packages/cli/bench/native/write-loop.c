/* sj-write MIB [BLOCK_KIB]: writes MIB MiB of zeros to stdout in blocks (default 1024 KiB, as dd bs=1M)
 * and prints on stderr the nanoseconds from before the first write to after the last, so that the
 * throughput excludes process start and exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	long block = (argc > 2 ? atol(argv[2]) : 1024) * 1024;
	char *buf = calloc(1, block);
	if (!buf)
		return 2;
	long long total = (long long)mib << 20, done = 0;
	long long t0 = now();
	while (done < total) {
		long want = total - done < block ? total - done : block;
		ssize_t n = write(1, buf, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			return 1;
		}
		done += n;
	}
	long long t1 = now();
	fprintf(stderr, "%lld\n", t1 - t0);
	return 0;
}
