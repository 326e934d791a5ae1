/* sj-notify-floor PROG N ADDR: the floor for a notified call, a minimal C supervisor. Runs PROG (sj-notify)
 * under a filter that notifies listen, setrlimit and prlimit64 setting a limit, and answers each of the
 * 2N+1 notifications with 0 (SECCOMP_IOCTL_NOTIF_RECV + SEND, nothing else). PROG's output (its own timing)
 * goes to our stdout. The same shape as systrace-bindings' bench C supervisor. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARG2_LO (offsetof(struct seccomp_data, args) + 2 * 8)

int main(int argc, char **argv) {
	if (argc < 4) { fprintf(stderr, "usage: sj-notify-floor PROG N ADDR\n"); return 2; }
	long n = atol(argv[2]);
	int pfd[2], ack[2];
	if (pipe(pfd) || pipe(ack)) return 2;
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 9),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_listen, 6, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setrlimit, 5, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 0, 5),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG2_LO),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG2_LO + 4),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof f / sizeof f[0], f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) _exit(2);
		int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0) { perror("seccomp"); _exit(2); }
		if (write(pfd[1], &fd, sizeof fd) != sizeof fd) _exit(2);
		char c; /* the listener is close-on-exec: wait until the parent has its copy */
		if (read(ack[0], &c, 1) != 1) _exit(2);
		execl(argv[1], argv[1], argv[2], argv[3], (char *)NULL);
		_exit(127);
	}
	int cfd;
	if (read(pfd[0], &cfd, sizeof cfd) != sizeof cfd) return 2;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int lfd = syscall(SYS_pidfd_getfd, pidfd, cfd, 0);
	if (lfd < 0) { perror("pidfd_getfd"); return 2; }
	if (write(ack[1], "g", 1) != 1) return 2;
	struct seccomp_notif_sizes sz;
	syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz);
	struct seccomp_notif *req = malloc(sz.seccomp_notif);
	struct seccomp_notif_resp *resp = malloc(sz.seccomp_notif_resp);
	for (long i = 0; i < 2 * n + 1; i++) {
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, req)) { perror("recv"); return 2; }
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, resp)) { perror("send"); return 2; }
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}
