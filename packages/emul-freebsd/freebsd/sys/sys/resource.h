/* Facts of freebsd/freebsd-src sys/sys/resource.h: its RLIMIT_* #define lines, without comments. Not the upstream text. */
#define	RLIMIT_CPU	0
#define	RLIMIT_FSIZE	1
#define	RLIMIT_DATA	2
#define	RLIMIT_STACK	3
#define	RLIMIT_CORE	4
#define	RLIMIT_RSS	5
#define	RLIMIT_MEMLOCK	6
#define	RLIMIT_NPROC	7
#define	RLIMIT_NOFILE	8
#define	RLIMIT_SBSIZE	9
#define	RLIMIT_VMEM	10
#define	RLIMIT_AS	RLIMIT_VMEM
#define	RLIMIT_NPTS	11
#define	RLIMIT_SWAP	12
#define	RLIMIT_KQUEUES	13
#define	RLIMIT_UMTXP	14
#define	RLIM_NLIMITS	15
