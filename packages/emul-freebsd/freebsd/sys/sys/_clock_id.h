/* Facts of freebsd/freebsd-src sys/sys/_clock_id.h: its CLOCK_* #define lines, without comments. Not the upstream text. */
#define	CLOCK_REALTIME		0
#define	CLOCK_VIRTUAL		1
#define	CLOCK_PROF		2
#define	CLOCK_MONOTONIC		4
#define	CLOCK_UPTIME		5
#define	CLOCK_UPTIME_PRECISE	7
#define	CLOCK_UPTIME_FAST	8
#define	CLOCK_REALTIME_PRECISE	9
#define	CLOCK_REALTIME_FAST	10
#define	CLOCK_MONOTONIC_PRECISE	11
#define	CLOCK_MONOTONIC_FAST	12
#define	CLOCK_SECOND		13
#define	CLOCK_THREAD_CPUTIME_ID	14
#define	CLOCK_PROCESS_CPUTIME_ID	15
