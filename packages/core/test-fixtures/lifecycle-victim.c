// The jailed program of core's lifecycle tests (static, run as /bin/victim in the fixture root).
//   victim exit N            exits with status N
//   victim selfkill SIG      kills itself with signal SIG
//   victim sleep             sleeps until killed
//   victim family            forks a child that sleeps, prints "up", exits 0 at a line or EOF on stdin
//   victim mediated-loop P   forks a child that sleeps, prints "looping", then calls mkdir(P) in a loop
//                            (the fixture's policy sends mkdir to a handler that answers 0 and makes
//                            nothing: P exists only if a call completed without the supervisor)
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sleeping_child(void) {
	if (fork() == 0)
		for (;;) pause();
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
	fprintf(stderr, "usage: victim exit N | selfkill SIG | sleep | family | mediated-loop PATH\n");
	return 2;
}
