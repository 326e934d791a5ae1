/*
 * stdio-attack: what jailed root tries with the descriptors the caller handed it. One line per attempt,
 * "NAME ok" or "NAME ERRNAME", so that a test can tell a refusal from a success.
 *   fchmod FD MODE        fchmod(FD, MODE (octal))
 *   dir                   fd 0 as a directory: read etc/shadow, create tmp/escape (openat and /proc/self/fd/0/...)
 *   reconnect PORT        fd 0 as a TCP socket: connect(AF_UNSPEC), then connect(127.0.0.1:PORT) and read
 *   terminal              fd 0 as the caller's terminal: TIOCSWINSZ 7x13, tcsetattr (no echo, no icanon),
 *                         tcflow(TCOOFF), TIOCSTI
 *   recvfd PATH FILE      listen on the unix socket PATH, take one descriptor, open FILE below it
 *                         (openat and /proc/self/fd/N/FILE)
 *   null FD               fd FD where the caller handed a null device, reported on stderr: its type,
 *                         device numbers and st_dev:st_ino, then fchmod(FD, 0600) and fchown(FD, 1, 1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static void report(const char *name, long r) {
	if (r < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

static void read_from(const char *name, int fd) {
	char buf[256];
	if (fd < 0) {
		report(name, -1);
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0) {
		report(name, -1);
	} else {
		buf[n] = 0;
		printf("%s read:%s\n", name, strtok(buf, "\n") ? buf : "");
	}
	close(fd);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "null")) {
		int fd = atoi(argv[2]);
		struct stat st;
		if (fstat(fd, &st) != 0)
			return 1;
		dprintf(2, "null %s %u:%u %llu:%llu\n", S_ISCHR(st.st_mode) ? "chr" : S_ISFIFO(st.st_mode) ? "fifo" : "other",
			major(st.st_rdev), minor(st.st_rdev), (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		dprintf(2, "fchmod %s\n", fchmod(fd, 0600) == 0 ? "ok" : strerrorname_np(errno));
		dprintf(2, "fchown %s\n", fchown(fd, 1, 1) == 0 ? "ok" : strerrorname_np(errno));
	} else if (argc > 3 && !strcmp(argv[1], "fchmod")) {
		report("fchmod", fchmod(atoi(argv[2]), (mode_t)strtol(argv[3], NULL, 8)));
	} else if (argc > 1 && !strcmp(argv[1], "dir")) {
		read_from("openat-shadow", openat(0, "etc/shadow", O_RDONLY));
		read_from("proc-shadow", open("/proc/self/fd/0/etc/shadow", O_RDONLY));
		int fd = openat(0, "tmp/escape", O_WRONLY | O_CREAT, 0644);
		report("openat-escape", fd < 0 ? -1 : write(fd, "x\n", 2));
		fd = open("/proc/self/fd/0/tmp/escape", O_WRONLY | O_CREAT, 0644);
		report("proc-escape", fd < 0 ? -1 : write(fd, "x\n", 2));
	} else if (argc > 2 && !strcmp(argv[1], "reconnect")) {
		struct sockaddr sa = { .sa_family = AF_UNSPEC };
		report("disconnect", connect(0, &sa, sizeof sa));
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
		inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
		int r = connect(0, (struct sockaddr *)&to, sizeof to);
		report("reconnect", r);
		if (r == 0)
			read_from("service", dup(0));
	} else if (argc > 1 && !strcmp(argv[1], "terminal")) {
		struct winsize ws = { .ws_row = 7, .ws_col = 13 };
		report("TIOCSWINSZ", ioctl(0, TIOCSWINSZ, &ws));
		struct termios t;
		int r = tcgetattr(0, &t);
		if (r == 0) {
			t.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
			r = tcsetattr(0, TCSANOW, &t);
		}
		report("tcsetattr", r);
		report("tcflow", tcflow(0, TCOOFF));
		report("TIOCSTI", ioctl(0, TIOCSTI, "x"));
		report("fchmod-terminal", fchmod(0, 0666));
	} else if (argc > 3 && !strcmp(argv[1], "recvfd")) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		strncpy(un.sun_path, argv[2], sizeof un.sun_path - 1);
		unlink(argv[2]);
		if (bind(s, (struct sockaddr *)&un, sizeof un) != 0 || listen(s, 1) != 0) {
			report("listen", -1);
			return 1;
		}
		report("listen", 0);
		int c = accept(s, NULL, NULL);
		char data[8], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		if (c < 0 || recvmsg(c, &mh, 0) < 0 || !CMSG_FIRSTHDR(&mh)) {
			report("recvfd", -1);
			return 1;
		}
		int fd;
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
		report("recvfd", 0);
		read_from("openat-host", openat(fd, argv[3], O_RDONLY));
		char path[4200];
		snprintf(path, sizeof path, "/proc/self/fd/%d/%s", fd, argv[3]);
		read_from("proc-host", open(path, O_RDONLY));
	} else {
		fprintf(stderr, "usage: stdio-attack fchmod FD MODE | dir | reconnect PORT | terminal | recvfd PATH FILE\n");
		return 2;
	}
	return 0;
}
