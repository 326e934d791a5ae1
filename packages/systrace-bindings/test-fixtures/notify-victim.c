/* Victim for the notification tests: makes notified getppid() calls, using arg0 to say what it expects
 * from the supervisor, and prints what it observed. getppid ignores its arguments; seccomp_data.args
 * still carries the registers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	long r;

	errno = 0;
	r = syscall(SYS_getppid, 1);
	printf("error r=%ld errno=%d\n", r, errno);

	r = syscall(SYS_getppid, 2);
	printf("value r=%ld\n", r);

	r = syscall(SYS_getppid, 3);
	printf("continue r=%ld\n", r);

	r = syscall(SYS_getppid, 4);
	char buf[64] = {0};
	ssize_t n = r >= 0 ? pread((int)r, buf, sizeof buf - 1, 0) : -1;
	printf("addfd r=%ld read=%zd data=%s\n", r, n, buf);

	/* a string ending on the last byte of a page followed by an unmapped page */
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(pages + 4096, 4096);
	const char *s = "edge-string";
	char *at = pages + 4096 - (strlen(s) + 1);
	strcpy(at, s);
	unsigned char pattern[16];
	for (int i = 0; i < 16; i++) pattern[i] = (unsigned char)(0xa0 + i);
	r = syscall(SYS_getppid, 5, at, pattern, sizeof pattern);
	printf("memory r=%ld pattern0=%d\n", r, pattern[0]);

	/* the supervisor never answers this one: the test kills us */
	printf("waiting\n");
	syscall(SYS_getppid, 6);
	printf("not reached\n");
	return 0;
}
