/* Facts of freebsd/freebsd-src sys/sys/mman.h: its MAP_* #define lines, without comments. Not the upstream text. */
#define	MAP_SHARED	0x0001
#define	MAP_PRIVATE	0x0002
#define	MAP_FIXED	 0x0010
#define	MAP_STACK	 0x0400
#define	MAP_NOSYNC	 0x0800
#define	MAP_ANON	 0x1000
#define	MAP_ANONYMOUS	 MAP_ANON
#define	MAP_GUARD	 0x00002000
#define	MAP_EXCL	 0x00004000
#define	MAP_NOCORE	 0x00020000
#define	MAP_PREFAULT_READ 0x00040000
#define	MAP_32BIT	 0x00080000
