/*
 * sysjail-init: the first process (PID 1) of a jail.
 *
 * Started by the launcher with the jail's namespaces, root, capabilities and seccomp filter already in
 * place. It dies with its supervisor (PR_SET_PDEATHSIG), waits for the supervisor's go, runs the jail's
 * command (and jexec'd commands) as its children, forwards signals, reaps orphans, creates sockets on the
 * supervisor's behalf (so they belong to the jail's cgroup), and exits with the command's status, which
 * ends the PID namespace and every process left in it.
 *
 * Control channel: a SOCK_SEQPACKET socket on fd 3, fixed-size messages (struct ctl_msg).
 *   supervisor -> init: 'G' go (a terminal attached: the command's stdio in mask a; the command's stdio
 *                       in mask b opened on the jail's own /dev/null, where the caller's is a null device);
 *                       'S' socket(a, b, c) -> reply 'S' (errno in a, the new fd's number in b:
 *                       the supervisor takes it with pidfd_getfd, then sends 'C' to close it, b = fd);
 *                       'E' exec: payload argv, env, cwd and the filters to stack (see parse_exec), 3 fds attached, a = uid,
 *                       b = gid, c = tag
 *                       -> reply 'P' (pid in a, tag in c) or 'F' (errno in a, tag in c);
 *                       'K' signal b to every process of the jail (a = 0) or to pid a.
 *   init -> supervisor: 'X' the command exited (wait status in a, pid in b, tag in c; tag 0 = the command).
 * EOF on the channel means the supervisor is gone: init exits, and the jail with it.
 *
 * Program loader (-L): fd 4 is a static executable that runs programs the kernel cannot (an emulation's
 * user-space ABI layer); init keeps it close-on-exec and runs `loader argv[0] argv...` through it for the
 * command with -l and for 'E' requests whose argc has LOADER_BIT set.
 *
 * User namespace (-U, with -L): fd 5 is the jail's own user namespace (identity-mapped, owning a private
 * binfmt_misc instance whose rules run the loader for the programs it is for; see sysjail-binfmt.c). Init
 * enters it first thing, before any child, so every process of the jail is in it; entering gives every
 * capability in it, so init then restores the capabilities and bounding set it came with.
 *
 * Service mode (-w, no command): the jail runs only what is exec'd into it (jail(8)'s exec.start) and
 * ends when its last process has ended, once one has run; with -p (persist) it stays with no process
 * at all, until its supervisor ends it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/capability.h>
#include <linux/seccomp.h>

#define CTL_FD 3
#define LOADER_FD 4
#define USERNS_FD 5
#define LOADER_BIT 0x80000000u
#define MAX_PAYLOAD 16384
#define MAX_TASKS 256

struct ctl_msg {
	char op;
	int32_t a, b, c;
	uint32_t len;
	char payload[MAX_PAYLOAD];
};

struct task { pid_t pid; int32_t tag; };
static struct task tasks[MAX_TASKS];
static sigset_t all_signals;
static int have_loader;

static void die(const char *what) {
	dprintf(2, "sysjail-init: %s: %s\n", what, strerror(errno));
	_exit(125);
}

/* Enters the user namespace on USERNS_FD with the capabilities this process has now (setns gives all). */
static void enter_user_namespace(void) {
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		die("capget");
	if (setns(USERNS_FD, CLONE_NEWUSER) != 0)
		die("entering the jail's user namespace");
	close(USERNS_FD);
	for (int cap = 0; cap < 64; cap++) {
		if ((d[cap / 32].permitted >> (cap % 32)) & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			die("PR_CAPBSET_DROP");
	}
	if (syscall(SYS_capset, &h, d) != 0)
		die("capset");
}

static int send_msg(char op, int32_t a, int32_t b, int32_t c, const int *fds, int nfds) {
	struct ctl_msg m = { .op = op, .a = a, .b = b, .c = c, .len = 0 };
	struct iovec iov = { .iov_base = &m, .iov_len = offsetof(struct ctl_msg, payload) };
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(CTL_FD, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Reads one message; returns 0 on EOF, -1 on error; fds receives up to 3 descriptors (-1 when absent). */
static int recv_msg(struct ctl_msg *m, int fds[3]) {
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	fds[0] = fds[1] = fds[2] = -1;
	ssize_t n = recvmsg(CTL_FD, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return (int)n;
	if ((size_t)n < offsetof(struct ctl_msg, payload))
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (k > 3 ? 3 : k));
		}
	}
	if (m->len > MAX_PAYLOAD || (size_t)n < offsetof(struct ctl_msg, payload) + m->len)
		return -1;
	return 1;
}

static int add_task(pid_t pid, int32_t tag) {
	for (int i = 0; i < MAX_TASKS; i++)
		if (tasks[i].pid == 0) {
			tasks[i].pid = pid;
			tasks[i].tag = tag;
			return 0;
		}
	return -1;
}

/* Fd i on the jail's own /dev/null: only a null device (1:3) opened without following a link; anything
 * else the jail put there leaves fd i as it was (a pipe the supervisor relays). */
static void jail_null(int i) {
	int fd = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		dup2(fd, i);
	close(fd);
}

#define MAX_FILTERS 16

/* Runs argv as a child with the given stdio (fds of -1 keep init's own; bit i of null_mask: the jail's
 * /dev/null), uid/gid (-1: unchanged), under the program loader when asked, under the stricter filters
 * given (the jail's tightened rules, a sub-policy), stacked in order. */
static pid_t run(char **argv, char **envp, const char *cwd, const int stdio[3], int null_mask, int32_t uid,
		 int32_t gid, int under_loader, const char *const *filters, const uint32_t *filter_lens,
		 int nfilters) {
	if (under_loader && !have_loader) {
		errno = ENOEXEC;
		return -1;
	}
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
			_exit(126);
	for (int i = 0; i < 3; i++)
		if (null_mask & (1 << i))
			jail_null(i);
	setsid();
	if (stdio[0] >= 0 && isatty(0))
		ioctl(0, TIOCSCTTY, 0);
	if (syscall(SYS_close_range, 3, have_loader ? CTL_FD : ~0U, 0) != 0 ||
	    (have_loader && syscall(SYS_close_range, LOADER_FD + 1, ~0U, 0) != 0))
		_exit(126);
	if (gid >= 0 && (setgroups(1, (gid_t *)&gid) != 0 || setgid((gid_t)gid) != 0))
		_exit(126);
	if (uid >= 0 && setuid((uid_t)uid) != 0)
		_exit(126);
	if (cwd && *cwd && chdir(cwd) != 0) {
		dprintf(2, "jail: %s: %s\n", cwd, strerror(errno));
		_exit(126);
	}
	/* Stricter filters stacked on the jail's (no_new_privs is set), for this process and everything it
	 * starts. They cannot be removed; if one cannot be installed, nothing runs. */
	for (int i = 0; i < nfilters; i++) {
		struct sock_filter *insns = malloc(filter_lens[i]);
		if (!insns)
			_exit(126);
		memcpy(insns, filters[i], filter_lens[i]);
		struct sock_fprog prog = { .len = (unsigned short)(filter_lens[i] / sizeof *insns), .filter = insns };
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
			dprintf(2, "jail: stacked filter: %s\n", strerror(errno));
			_exit(126);
		}
	}
	sigprocmask(SIG_UNBLOCK, &all_signals, NULL);
	if (under_loader) {
		size_t n = 0;
		while (argv[n])
			n++;
		char **largv = calloc(n + 3, sizeof *largv);
		if (!largv)
			_exit(126);
		largv[0] = "sysjail-loader";
		largv[1] = argv[0];
		memcpy(largv + 2, argv, (n + 1) * sizeof *largv);
		extern char **environ;
		syscall(SYS_execveat, LOADER_FD, "", largv, envp ? envp : environ, AT_EMPTY_PATH);
	} else if (envp)
		execvpe(argv[0], argv, envp);
	else
		execvp(argv[0], argv);
	int err = errno;
	dprintf(2, "jail: %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * An 'E' payload: u32 argc, u32 envc (~0: keep the init's environment), argc then envc NUL-terminated
 * strings, then the working directory (NUL-terminated; empty: /), then up to MAX_FILTERS times u32 n and
 * n bytes of sock_filter[]: filters the command stacks, in order, before exec. Pointers into the payload.
 */
struct exec_request {
	char **argv;
	char **envp;
	char *cwd;
	int under_loader;
	const char *filters[MAX_FILTERS];
	uint32_t filter_lens[MAX_FILTERS];
	int nfilters;
};

static int take_strings(char **p, char *end, uint32_t n, char ***out) {
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		char *nul = memchr(*p, '\0', (size_t)(end - *p));
		if (!nul) {
			free(v);
			return -1;
		}
		v[i] = *p;
		*p = nul + 1;
	}
	*out = v;
	return 0;
}

static int parse_exec(char *payload, uint32_t len, struct exec_request *r) {
	uint32_t argc, envc;
	char *p = payload + 8, *end = payload + len;
	memset(r, 0, sizeof *r);
	if (len < 8)
		return -1;
	memcpy(&argc, payload, 4);
	/* bit 31 of argc: run under the program loader */
	memcpy(&envc, payload + 4, 4);
	r->under_loader = (argc & LOADER_BIT) != 0;
	argc &= ~LOADER_BIT;
	if (argc == 0 || argc > MAX_PAYLOAD / 2 || (envc != ~0U && envc > MAX_PAYLOAD / 2))
		return -1;
	if (take_strings(&p, end, argc, &r->argv) != 0)
		return -1;
	if (envc != ~0U && take_strings(&p, end, envc, &r->envp) != 0)
		return -1;
	char *nul = memchr(p, '\0', (size_t)(end - p));
	if (!nul)
		return -1;
	r->cwd = p;
	p = nul + 1;
	while (p != end) {
		uint32_t n;
		if (end - p < 4 || r->nfilters == MAX_FILTERS)
			return -1;
		memcpy(&n, p, 4);
		p += 4;
		if (n == 0 || n % sizeof(struct sock_filter) != 0 || n > (uint32_t)(end - p) ||
		    n / sizeof(struct sock_filter) > BPF_MAXINSNS)
			return -1;
		r->filters[r->nfilters] = p;
		r->filter_lens[r->nfilters++] = n;
		p += n;
	}
	return 0;
}

int main(int argc, char **argv) {
	if (chdir("/") != 0)
		die("chdir /");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		die("PR_SET_PDEATHSIG");
	prctl(PR_SET_NAME, "sysjail-init", 0, 0, 0);
	/* Not ptrace-able (nor pidfd_getfd-able) by jailed root; execve resets this for the command. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		die("PR_SET_DUMPABLE");
	int32_t uid = -1, gid = -1;
	const char *command_cwd = NULL;
	int opt, command_under_loader = 0, service = 0, persist = 0, ran = 0;
	int userns = 0;
	while ((opt = getopt(argc, argv, "+u:g:d:LlUwp")) != -1) {
		if (opt == 'u')
			uid = atoi(optarg);
		else if (opt == 'g')
			gid = atoi(optarg);
		else if (opt == 'd')
			command_cwd = optarg;
		else if (opt == 'L')
			have_loader = 1;
		else if (opt == 'l')
			command_under_loader = 1;
		else if (opt == 'U')
			userns = 1;
		else if (opt == 'w')
			service = 1;
		else if (opt == 'p')
			persist = 1;
		else
			_exit(125);
	}
	if (userns) {
		if (!have_loader) {
			dprintf(2, "sysjail-init: -U needs -L\n");
			_exit(125);
		}
		enter_user_namespace();
	}
	/* Whatever the launching process leaked stays out of the jail: only the control channel (and the
	 * program loader) are kept. */
	if (syscall(SYS_close_range, (have_loader ? LOADER_FD : CTL_FD) + 1, ~0U, 0) != 0)
		die("close_range");
	if (have_loader && fcntl(LOADER_FD, F_SETFD, FD_CLOEXEC) != 0)
		die("program loader");
	if (service ? optind != argc : optind >= argc) {
		dprintf(2, "usage: sysjail-init [-LlU] [-u uid] [-g gid] [-d dir] command ...\n       sysjail-init [-LU] -w [-p]\n");
		_exit(125);
	}
	if (fcntl(CTL_FD, F_SETFD, FD_CLOEXEC) != 0)
		die("control channel");
	sigfillset(&all_signals);
	sigprocmask(SIG_BLOCK, &all_signals, NULL);
	int sfd = signalfd(-1, &all_signals, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");

	static struct ctl_msg m;
	pid_t command = 0;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = CTL_FD, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGCHLD) {
				int status;
				pid_t pid;
				while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
					for (int i = 0; i < MAX_TASKS; i++)
						if (tasks[i].pid == pid) {
							send_msg('X', status, pid, tasks[i].tag, NULL, 0);
							tasks[i].pid = 0;
						}
					if (pid == command)
						_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
				}
				/* Service mode without persist: the last process of the jail has ended. */
				if (service && !persist && ran && pid < 0 && errno == ECHILD)
					_exit(0);
			} else if (command > 0) {
				kill(command, (int)si.ssi_signo);
			} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
				_exit(128 + (int)si.ssi_signo);
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			int fds[3];
			int r = recv_msg(&m, fds);
			if (r == 0)
				_exit(125); /* supervisor gone */
			if (r < 0)
				continue;
			switch (m.op) {
			case 'G': {
				if (command > 0 || service)
					break;
				/* a: which of the command's 0, 1, 2 are the terminal sent along (the others: init's own). */
				int stdio[3] = { -1, -1, -1 };
				for (int i = 0; i < 3 && fds[0] >= 0; i++)
					if (m.a & (1 << i))
						stdio[i] = fds[0];
				command = run(argv + optind, NULL, command_cwd, stdio, m.b & 7, uid, gid, command_under_loader, NULL, NULL, 0);
				if (command < 0)
					die("fork");
				add_task(command, 0);
				break;
			}
			case 'S': {
				int fd = socket(m.a, m.b | SOCK_CLOEXEC, m.c);
				send_msg('S', fd < 0 ? errno : 0, fd, 0, NULL, 0);
				break;
			}
			case 'E': {
				struct exec_request r;
				int ok = parse_exec(m.payload, m.len, &r) == 0;
				pid_t pid = ok ? run(r.argv, r.envp, r.cwd, fds, 0, m.a, m.b, r.under_loader, r.filters, r.filter_lens, r.nfilters) : -1;
				int err = pid < 0 ? (ok ? errno : EINVAL) : 0;
				free(r.argv);
				free(r.envp);
				if (pid > 0)
					ran = 1;
				if (pid > 0 && add_task(pid, m.c) == 0)
					send_msg('P', pid, 0, m.c, NULL, 0);
				else
					send_msg('F', err ? err : EAGAIN, 0, m.c, NULL, 0);
				break;
			}
			case 'C':
				if (m.b > CTL_FD && m.b != sfd && !(have_loader && m.b == LOADER_FD))
					close(m.b);
				break;
			case 'K':
				kill(m.a > 0 ? m.a : -1, m.b);
				break;
			}
			for (int i = 0; i < 3; i++)
				if (fds[i] >= 0)
					close(fds[i]);
		}
	}
}
