/* sj-net MODE N ADDR CPU [allow|FILTER]: per-call network costs, pinned to CPU.
 *   socket   N × (socket(AF_INET, SOCK_STREAM), close)
 *   udp      N × (socket(AF_INET, SOCK_DGRAM), close)
 *   tcp      N × (socket, connect to a listener on ADDR, send 1 byte, echo it back, recv, close both);
 *            the listener is this process's own (accept in the same thread: loopback completes the
 *            handshake inside connect), the client closes with SO_LINGER 0 (no TIME_WAIT pile-up).
 * Prints the CPU nanoseconds per iteration of the loop (clock_gettime of the process's CPU clock around
 * it, process start excluded).
 * "allow" first installs a one-instruction SECCOMP_RET_ALLOW filter (the floor every seccomp jail pays);
 * FILTER, a file holding an encoded sock_filter[], installs that one instead. Either is installed after
 * the set-up, right before the timed loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The process's CPU time, not the wall clock: on a shared machine the time others hold the CPU is not
 * counted (loopback's softirq work runs in this task's context and is). */
static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
	perror(what);
	exit(2);
}

static struct sock_filter insns[4096];

static void install_filter(const char *how) {
	struct sock_fprog prog = {1, insns};
	if (strcmp(how, "allow") == 0) {
		insns[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	} else {
		FILE *f = fopen(how, "rb");
		if (!f) die("filter");
		size_t got = fread(insns, sizeof insns[0], 4096, f);
		fclose(f);
		if (got == 0) die("filter empty");
		prog.len = got;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) die("seccomp");
}

static void pin(int cpu) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

int main(int argc, char **argv) {
	if (argc < 5) {
		fprintf(stderr, "usage: sj-net socket|udp|tcp N ADDR CPU [allow|FILTER]\n");
		return 2;
	}
	const char *mode = argv[1];
	long n = atol(argv[2]);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, argv[3], &sin.sin_addr) != 1) die("address");
	pin(atoi(argv[4]));
	const char *filter = argc > 5 ? argv[5] : NULL;
	long long t0, t1;
	if (strcmp(mode, "socket") == 0 || strcmp(mode, "udp") == 0) {
		int type = mode[0] == 's' ? SOCK_STREAM : SOCK_DGRAM;
		if (filter) install_filter(filter);
		t0 = now();
		for (long i = 0; i < n; i++) {
			int s = socket(AF_INET, type, 0);
			if (s < 0) die("socket");
			close(s);
		}
		t1 = now();
	} else if (strcmp(mode, "tcp") == 0) {
		int l = socket(AF_INET, SOCK_STREAM, 0);
		if (l < 0) die("socket");
		if (bind(l, (struct sockaddr *)&sin, sizeof sin) != 0) die("bind");
		if (listen(l, 64) != 0) die("listen");
		socklen_t len = sizeof sin;
		if (getsockname(l, (struct sockaddr *)&sin, &len) != 0) die("getsockname");
		struct linger lg = {1, 0};
		char c = 'x';
		if (filter) install_filter(filter); /* after listen(), which a jail's filter hands its supervisor */
		t0 = now();
		for (long i = 0; i < n; i++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);
			if (s < 0) die("socket");
			if (connect(s, (struct sockaddr *)&sin, sizeof sin) != 0) die("connect");
			int a = accept(l, NULL, NULL);
			if (a < 0) die("accept");
			if (send(s, &c, 1, 0) != 1 || recv(a, &c, 1, 0) != 1) die("send");
			if (send(a, &c, 1, 0) != 1 || recv(s, &c, 1, 0) != 1) die("echo");
			close(a);
			if (setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0) die("linger");
			close(s);
		}
		t1 = now();
	} else {
		fprintf(stderr, "sj-net: unknown mode %s\n", mode);
		return 2;
	}
	printf("%.1f\n", (double)(t1 - t0) / n);
	return 0;
}
