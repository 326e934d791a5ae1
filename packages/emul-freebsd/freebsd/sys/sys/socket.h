/* Facts of freebsd/freebsd-src sys/sys/socket.h (a stored version without AF_NETLINK and SOCK_CLOFORK): SOCK_* and AF_* #define lines used here, without comments. Not the upstream text. */
#define	SOCK_STREAM	1
#define	SOCK_DGRAM	2
#define	SOCK_RAW	3
#define	SOCK_RDM	4
#define	SOCK_SEQPACKET	5
#define	SOCK_CLOEXEC	0x10000000
#define	SOCK_NONBLOCK	0x20000000
#define	AF_UNSPEC	0
#define	AF_UNIX		1
#define	AF_LOCAL	AF_UNIX
#define	AF_INET		2
#define	AF_ROUTE	17
#define	AF_INET6	28
