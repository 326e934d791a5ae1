/*
 * sysjail-binfmt: makes a jail's user namespace and its private binfmt_misc instance (Linux 6.7+).
 *
 *   sysjail-binfmt RULE...        fd 3: the interpreter the rules name as /proc/self/fd/3 (flag F)
 *
 * A child unshares a user namespace, which this process maps one to one (uid and gid 0 0 4294967295:
 * jailed root stays host uid 0 for files); in it the child unshares a mount namespace (so that it may
 * mount), makes a detached binfmt_misc mount (fsopen, fsmount: attached nowhere, in no mount table) and
 * writes each RULE to its register file. The child then prints "PID FD\n" (FD: the mount) and waits for
 * stdin to close: the host opens /proc/PID/ns/user (the namespace the jail's init enters) and
 * /proc/PID/fd/FD (the mount, which keeps the instance's rules) before that. The instance lives as long
 * as the host holds the mount; nothing of it is ever in a mount table a jailed process can see.
 * Errors: one line on stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <linux/mount.h>

static void fail(const char *what) {
	dprintf(2, "sysjail-binfmt: %s: %s\n", what, strerror(errno));
	_exit(1);
}

static void write_file(const char *path, const char *text) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fail(path);
	close(fd);
}

static void child(int ready, int go, int argc, char **argv) {
	char c;
	if (unshare(CLONE_NEWUSER) != 0)
		fail("unshare(CLONE_NEWUSER)");
	if (write(ready, "u", 1) != 1)
		fail("ready");
	if (read(go, &c, 1) != 1)
		_exit(1); /* the parent could not map the namespace; it said why */
	if (unshare(CLONE_NEWNS) != 0)
		fail("unshare(CLONE_NEWNS)");
	int fs = (int)syscall(SYS_fsopen, "binfmt_misc", FSOPEN_CLOEXEC);
	if (fs < 0)
		fail("fsopen(binfmt_misc) (a binfmt_misc per user namespace needs Linux 6.7)");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0)
		fail("fsconfig(FSCONFIG_CMD_CREATE)");
	int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		fail("fsmount");
	close(fs);
	int reg = openat(mnt, "register", O_WRONLY | O_CLOEXEC);
	if (reg < 0)
		fail("open register");
	for (int i = 1; i < argc; i++)
		if (write(reg, argv[i], strlen(argv[i])) != (ssize_t)strlen(argv[i]))
			fail("register");
	close(reg);
	close(3); /* the kernel keeps its own reference (flag F) */
	dprintf(1, "%d %d\n", getpid(), mnt);
	while (read(0, &c, 1) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		dprintf(2, "usage: sysjail-binfmt rule ... (fd 3: the interpreter)\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0)
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(go[1]);
		child(ready[1], go[0], argc, argv);
	}
	close(ready[1]);
	close(go[0]);
	close(3);
	char c, path[64];
	if (read(ready[0], &c, 1) == 1) {
		snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
		write_file(path, "0 0 4294967295\n");
		snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
		write_file(path, "0 0 4294967295\n");
		if (write(go[1], "g", 1) != 1)
			fail("go");
	}
	close(go[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
