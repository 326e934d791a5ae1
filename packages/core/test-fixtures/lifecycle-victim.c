// The jailed program of core's lifecycle tests (static, run as /bin/victim in the fixture root).
//   victim exit N            exits with status N
//   victim selfkill SIG      kills itself with signal SIG
//   victim sleep             sleeps until killed
//   victim family            forks a child that sleeps, prints "up", exits 0 at a line or EOF on stdin
//   victim mediated-loop P   forks a child that sleeps, prints "looping", then calls mkdir(P) in a loop
//                            (the fixture's policy sends mkdir to a handler that answers 0 and makes
//                            nothing: P exists only if a call completed without the supervisor)
//   victim open [--recv SOCKET] [r|w|c PATH]...
//                            for each pair, opens PATH to read (and reads), to write (and writes
//                            "jailed\n") or to create (O_CREAT|O_EXCL, and writes); prints "r PATH ok:
//                            FIRST-LINE", "w PATH ok" or "r PATH ERRNO-NAME". Relative paths are below fd
//                            0, or with --recv below the one descriptor received (SCM_RIGHTS) on the first
//                            connection to the unix socket SOCKET (it prints "listening" first)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sleeping_child(void) {
	if (fork() == 0)
		for (;;) pause();
}

/* Listens on the unix socket `path`, prints "listening", takes one descriptor from the first peer. */
static int receive_fd(const char *path) {
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	strncpy(un.sun_path, path, sizeof un.sun_path - 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&un, sizeof un) != 0 || listen(s, 1) != 0) return -1;
	printf("listening\n");
	int c = accept(s, NULL, NULL);
	char data[8], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	if (c < 0 || recvmsg(c, &mh, 0) < 0 || !CMSG_FIRSTHDR(&mh)) return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
	close(c);
	close(s);
	return fd;
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "exit") == 0 && argc > 2) return atoi(argv[2]);
	if (strcmp(mode, "selfkill") == 0 && argc > 2) {
		kill(getpid(), atoi(argv[2]));
		return 100;
	}
	if (strcmp(mode, "sleep") == 0)
		for (;;) pause();
	if (strcmp(mode, "family") == 0) {
		sleeping_child();
		printf("up\n");
		char c;
		while (read(0, &c, 1) == 1 && c != '\n') {}
		return 0;
	}
	if (strcmp(mode, "mediated-loop") == 0 && argc > 2) {
		sleeping_child();
		printf("looping\n");
		for (;;) mkdir(argv[2], 0755);
	}
	if (strcmp(mode, "open") == 0) {
		int base = 0, first = 2;
		if (argc > 3 && strcmp(argv[2], "--recv") == 0) {
			base = receive_fd(argv[3]);
			if (base < 0) {
				perror("recv");
				return 3;
			}
			first = 4;
		}
		for (int i = first; i + 1 < argc; i += 2) {
			const char *how = argv[i], *path = argv[i + 1];
			int flags = how[0] == 'r' ? O_RDONLY : how[0] == 'w' ? O_WRONLY | O_TRUNC : O_WRONLY | O_CREAT | O_EXCL;
			int fd = openat(path[0] == '/' ? AT_FDCWD : base, path, flags | O_CLOEXEC, 0644);
			if (fd < 0) {
				printf("%s %s %s\n", how, path, strerrorname_np(errno));
				continue;
			}
			char buf[128] = "";
			ssize_t n = how[0] == 'r' ? read(fd, buf, sizeof buf - 1) : write(fd, "jailed\n", 7);
			if (n < 0) printf("%s %s %s\n", how, path, strerrorname_np(errno));
			else if (how[0] == 'r') printf("%s %s ok: %.*s\n", how, path, (int)strcspn(buf, "\n"), buf);
			else printf("%s %s ok\n", how, path);
			close(fd);
		}
		return 0;
	}
	fprintf(stderr, "usage: victim exit N | selfkill SIG | sleep | family | mediated-loop PATH | open [r|w|c PATH]...\n");
	return 2;
}
