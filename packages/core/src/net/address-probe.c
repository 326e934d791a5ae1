/* Test probe for the address programs: runs one socket operation inside a jail cgroup and prints
 * "ok <local address> <local port>" or "err <ERRNO NAME>". Built with gcc by address-confinement.linux.test.ts. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef union { struct sockaddr sa; struct sockaddr_in in; struct sockaddr_in6 in6; } addr_t;

static int family(const char *f) { return strcmp(f, "6") == 0 ? AF_INET6 : AF_INET; }

static socklen_t mkaddr(addr_t *a, int fam, const char *ip, int port) {
	memset(a, 0, sizeof *a);
	if (fam == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &a->in.sin_addr) != 1) { printf("bad address %s\n", ip); exit(2); }
		return sizeof a->in;
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons(port);
	if (inet_pton(AF_INET6, ip, &a->in6.sin6_addr) != 1) { printf("bad address %s\n", ip); exit(2); }
	return sizeof a->in6;
}

static const char *show(const addr_t *a, char *buf, int *port) {
	if (a->sa.sa_family == AF_INET) {
		*port = ntohs(a->in.sin_port);
		return inet_ntop(AF_INET, &a->in.sin_addr, buf, INET6_ADDRSTRLEN);
	}
	*port = ntohs(a->in6.sin6_port);
	return inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, INET6_ADDRSTRLEN);
}

static int err(void) { printf("err %s\n", strerrorname_np(errno)); return 0; }

static int ok(int fd) {
	addr_t a; socklen_t len = sizeof a; char buf[INET6_ADDRSTRLEN]; int port;
	if (getsockname(fd, &a.sa, &len) < 0) return err();
	const char *ip = show(&a, buf, &port);
	printf("ok %s %d\n", ip, port);
	return 0;
}

static int sock(int fam, int type) {
	int fd = socket(fam, type, 0);
	if (fd < 0) { err(); exit(0); }
	return fd;
}

static void freebind(int fd, int fam) {
	int one = 1;
	if (fam == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
	else setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
}

/* race: one thread flips the sockaddr between two addresses while the main thread binds fresh sockets. */
static addr_t race_addr;
static struct in_addr race_a, race_b;
static volatile int race_stop;
static void *flipper(void *arg) {
	(void)arg;
	while (!race_stop) {
		__atomic_store_n(&race_addr.in.sin_addr.s_addr, race_a.s_addr, __ATOMIC_RELAXED);
		__atomic_store_n(&race_addr.in.sin_addr.s_addr, race_b.s_addr, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int race(const char *good, const char *bad, int n) {
	pthread_t t;
	mkaddr(&race_addr, AF_INET, good, 0);
	inet_pton(AF_INET, good, &race_a);
	inet_pton(AF_INET, bad, &race_b);
	pthread_create(&t, NULL, flipper, NULL);
	int bound = 0, refused = 0, wrong = 0, other = 0;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0) { other++; continue; }
		if (bind(fd, &race_addr.sa, sizeof race_addr.in) == 0) {
			struct sockaddr_in got; socklen_t len = sizeof got;
			getsockname(fd, (struct sockaddr *)&got, &len);
			if (got.sin_addr.s_addr == race_a.s_addr) bound++;
			else wrong++;
		} else if (errno == EADDRNOTAVAIL) refused++;
		else other++;
		close(fd);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("race %d bound %d refused %d wrong %d other %d\n", n, bound, refused, wrong, other);
	return 0;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) return 2;
	const char *cmd = argv[1];
	addr_t a; socklen_t len;
	if (strcmp(cmd, "bind") == 0 && argc >= 5) {
		/* bind <4|6> <tcp|udp> <ip> [freebind] */
		int fam = family(argv[2]);
		int fd = sock(fam, strcmp(argv[3], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM);
		if (argc > 5) freebind(fd, fam);
		len = mkaddr(&a, fam, argv[4], 0);
		return bind(fd, &a.sa, len) < 0 ? err() : ok(fd);
	}
	if (strcmp(cmd, "connect") == 0 && argc >= 5) {
		/* connect <4|6> <ip> <port> [bind-ip]: TCP */
		int fam = family(argv[2]);
		int fd = sock(fam, SOCK_STREAM);
		if (argc > 5) {
			len = mkaddr(&a, fam, argv[5], 0);
			if (bind(fd, &a.sa, len) < 0) return err();
		}
		len = mkaddr(&a, fam, argv[3], atoi(argv[4]));
		return connect(fd, &a.sa, len) < 0 ? err() : ok(fd);
	}
	if (strcmp(cmd, "sendto") == 0 && argc >= 6) {
		/* sendto <4|6> <ip> <port> <payload>: UDP, unbound */
		int fam = family(argv[2]);
		int fd = sock(fam, SOCK_DGRAM);
		len = mkaddr(&a, fam, argv[3], atoi(argv[4]));
		return sendto(fd, argv[5], strlen(argv[5]), 0, &a.sa, len) < 0 ? err() : ok(fd);
	}
	if (strcmp(cmd, "sendto-connect") == 0 && argc >= 5) {
		/* sendto-connect <4|6> <ip> <port>: UDP autobound by sendto, then connect */
		int fam = family(argv[2]);
		int fd = sock(fam, SOCK_DGRAM);
		len = mkaddr(&a, fam, argv[3], atoi(argv[4]));
		if (sendto(fd, "x", 1, 0, &a.sa, len) < 0) return err();
		return connect(fd, &a.sa, len) < 0 ? err() : ok(fd);
	}
	if (strcmp(cmd, "autobind") == 0 && argc >= 6) {
		/* autobind <4|6> <sink ip> <sink port> <quiet ms>: sendto without bind, then report what arrives */
		int fam = family(argv[2]);
		int fd = sock(fam, SOCK_DGRAM);
		len = mkaddr(&a, fam, argv[3], atoi(argv[4]));
		if (sendto(fd, "hello", 5, 0, &a.sa, len) < 0) return err();
		ok(fd);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		while (poll(&p, 1, atoi(argv[5])) > 0) {
			char buf[256], from[INET6_ADDRSTRLEN]; addr_t src; socklen_t sl = sizeof src; int port;
			ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, &src.sa, &sl);
			if (n < 0) return err();
			buf[n] = 0;
			const char *ip = show(&src, from, &port);
			printf("recv %s %s\n", ip, buf);
		}
		printf("done\n");
		return 0;
	}
	if (strcmp(cmd, "listen") == 0 && argc >= 4) {
		/* listen <4|6> <quiet ms>: listen() on a never-bound TCP socket (autobinds the wildcard), then
		 * report the connections accepted */
		int fd = sock(family(argv[2]), SOCK_STREAM);
		if (listen(fd, 8) < 0) return err();
		ok(fd);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		while (poll(&p, 1, atoi(argv[3])) > 0) {
			char from[INET6_ADDRSTRLEN]; addr_t peer, local; socklen_t pl = sizeof peer, ll = sizeof local; int port;
			int c = accept(fd, &peer.sa, &pl);
			if (c < 0) return err();
			getsockname(c, &local.sa, &ll);
			const char *ip = show(&local, from, &port);
			printf("accepted on %s\n", ip);
			close(c);
		}
		printf("done\n");
		return 0;
	}
	if (strcmp(cmd, "bench") == 0 && argc >= 5) {
		/* bench <4|6> <ip> <n>: n × (socket, bind, close), prints ns per iteration */
		int fam = family(argv[2]), n = atoi(argv[4]);
		struct timespec t0, t1;
		len = mkaddr(&a, fam, argv[3], 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < n; i++) {
			int fd = socket(fam, SOCK_DGRAM, 0);
			bind(fd, &a.sa, len);
			close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("bench %.0f ns\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
		return 0;
	}
	if (strcmp(cmd, "socket") == 0 && argc >= 5) {
		/* socket <4|6> <type number> <protocol number> */
		int fd = socket(family(argv[2]), atoi(argv[3]), atoi(argv[4]));
		if (fd < 0) return err();
		printf("ok\n");
		return 0;
	}
	if (strcmp(cmd, "race") == 0 && argc >= 5) return race(argv[2], argv[3], atoi(argv[4]));
	printf("usage\n");
	return 2;
}
