/** The FreeBSD constants the jail policy tests arguments against, with FreeBSD's names (sys/socket.h, sys/ttycom.h, sys/stat.h). */

export const AF_UNIX = 1;
export const AF_LOCAL = 1;
export const AF_INET = 2;
/** The routing socket (PF_ROUTE), FreeBSD's netlink route; always SOCK_RAW. */
export const AF_ROUTE = 17;
export const AF_INET6 = 28;
export const AF_NETLINK = 38;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_CLOEXEC = 0x10000000;
export const SOCK_NONBLOCK = 0x20000000;
export const SOCK_CLOFORK = 0x40000000;
/** The type bits of socket(2)'s type argument, without SOCK_CLOEXEC, SOCK_NONBLOCK and SOCK_CLOFORK. */
export const SOCK_TYPE_BITS = 0x0fffffff;

/** _IOW('t', 114, char): push a byte into a terminal's input. */
export const TIOCSTI = 0x80017472;
/** _IOW('t', 27, int): set the line discipline. */
export const TIOCSETD = 0x8004741b;

/** System file flags (SF_*) a jailed root may not set without allow.chflags (sys/stat.h SF_SETTABLE). */
export const SF_SETTABLE = 0xffff0000;

export const S_IFMT = 0o170000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** ELF e_ident[EI_OSABI] of a FreeBSD-branded executable (brandelf -t FreeBSD). */
export const ELFOSABI_FREEBSD = 9;
