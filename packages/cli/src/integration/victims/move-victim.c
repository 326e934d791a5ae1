/* Targets for moving a running process to a sub-policy (move.linux.test.ts).
 *   move-victim threads N   N threads make directories /tmp/mt/<i>.<k> in a loop (thread 0 without
 *                           pause, the others with a 5 ms nanosleep), the main thread waits in pause()
 *   move-victim fork        forks all the time: each child forks a grandchild (named "storm-gc") and
 *                           exits at once, so the grandchild is handed to its nearest subreaper, this
 *                           process (PR_SET_CHILD_SUBREAPER: every process it made stays its descendant,
 *                           so a move that missed one while it was being handed over shows); a
 *                           grandchild lives 2 s
 *   move-victim vfork       vforks all the time (the child _exits at once), and forks grandchildren as above
 *   move-victim shared      the process to move runs on a stack in memory it shares with its parent, which
 *                           rewrites every "return EROFS" filter instruction it finds there into "allow",
 *                           all the time; the child makes /tmp/sh/<k> every 5 ms
 *   move-victim traced      a child traced by its parent (PTRACE_TRACEME) makes /tmp/tr/<k> every 5 ms
 * Writes the pid of the process to move to /tmp/<mode>.pid when it runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms) {
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void write_pid(const char *file) {
	FILE *f = fopen(file, "w");
	fprintf(f, "%d\n", getpid());
	fclose(f);
}

/* Makes DIR/0, DIR/1 ... every 5 ms, for ever. */
static void make_dirs(const char *dir) {
	char path[64];
	for (unsigned k = 0;; k++) {
		snprintf(path, sizeof path, "%s/%u", dir, k);
		mkdir(path, 0755);
		nap(5);
	}
}

static void *maker(void *arg) {
	int i = (int)(long)arg;
	char path[64];
	for (unsigned k = 0;; k++) {
		snprintf(path, sizeof path, "/tmp/mt/%d.%u", i, k);
		mkdir(path, 0755);
		if (i > 0)
			nap(5);
	}
	return NULL;
}

static void grandchild(void) {
	pid_t c = fork();
	if (c == 0) {
		if (fork() == 0) {
			prctl(PR_SET_NAME, "storm-gc", 0, 0, 0);
			nap(2000);
			_exit(0);
		}
		_exit(0);
	}
	if (c > 0)
		waitpid(c, NULL, 0);
}

#define SHARED_SIZE (1 << 20)

static void shared_child(void) {
	write_pid("/tmp/shared.pid");
	make_dirs("/tmp/sh");
}

static int shared(void) {
	uint32_t *region = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 1;
	mkdir("/tmp/sh", 0755);
	if (fork() == 0) {
		/* Run on a stack at the top of the shared region. */
		char *top = (char *)region + SHARED_SIZE - 64;
#ifdef __x86_64__
		__asm__ volatile("mov %0, %%rsp\n\tcall *%1\n\tud2" : : "r"(top), "r"(shared_child) : "memory");
#else
		(void)top;
		shared_child();
#endif
	}
	/* Only the top 64 KiB: the stack in use. sock_filter { u16 code; u8 jt, jf; u32 k }: BPF_RET|BPF_K = 6, SECCOMP_RET_ERRNO|EROFS. */
	volatile uint32_t *w = region;
	for (;;)
		for (size_t i = (SHARED_SIZE - 65536) / 4; i + 1 < SHARED_SIZE / 4; i += 2)
			if (w[i] == 6 && w[i + 1] == (0x00050000u | EROFS))
				w[i + 1] = 0x7fff0000u;
}

static int traced(void) {
	mkdir("/tmp/tr", 0755);
	pid_t c = fork();
	if (c == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		write_pid("/tmp/traced.pid");
		make_dirs("/tmp/tr");
	}
	/* The tracer: lets every stop of its child go on, passing signals along. */
	int status;
	while (waitpid(c, &status, 0) == c && WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);
		ptrace(PTRACE_CONT, c, 0, sig == SIGSTOP || sig == SIGTRAP ? 0 : sig);
	}
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "shared") == 0)
		return shared();
	if (strcmp(argv[1], "traced") == 0)
		return traced();
	char pidfile[64];
	snprintf(pidfile, sizeof pidfile, "/tmp/%s.pid", argv[1]);
	if (strcmp(argv[1], "threads") == 0) {
		mkdir("/tmp/mt", 0755);
		int n = argc > 2 ? atoi(argv[2]) : 4;
		for (int i = 0; i < n; i++) {
			pthread_t t;
			pthread_create(&t, NULL, maker, (void *)(long)i);
		}
	}
	write_pid(pidfile);
	if (strcmp(argv[1], "threads") == 0)
		for (;;)
			pause();
	int use_vfork = strcmp(argv[1], "vfork") == 0;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (;;) {
		if (use_vfork) {
			pid_t c = vfork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
		grandchild();
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		nap(2);
	}
}
