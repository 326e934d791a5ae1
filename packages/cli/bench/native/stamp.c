/* sj-stamp: prints CLOCK_MONOTONIC in nanoseconds and exits. No time namespace is involved, so the
 * host reads the same clock: the bench subtracts its own start time to get "call to command running". */
#include <stdio.h>
#include <time.h>

int main(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
