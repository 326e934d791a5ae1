/**
 * Kernel constants that jail policies test syscall arguments against, with their kernel names
 * (include/uapi/linux/*.h). The same values on x86_64 and i386 unless a name says otherwise.
 * A test compiles a C program against the installed headers and compares every value here.
 */

/** Address families (linux/socket.h). */
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_LOCAL = 1;
export const AF_INET = 2;
export const AF_AX25 = 3;
export const AF_IPX = 4;
export const AF_APPLETALK = 5;
export const AF_NETROM = 6;
export const AF_BRIDGE = 7;
export const AF_ATMPVC = 8;
export const AF_X25 = 9;
export const AF_INET6 = 10;
export const AF_ROSE = 11;
export const AF_DECnet = 12;
export const AF_NETBEUI = 13;
export const AF_SECURITY = 14;
export const AF_KEY = 15;
export const AF_NETLINK = 16;
export const AF_ROUTE = 16;
export const AF_PACKET = 17;
export const AF_ASH = 18;
export const AF_ECONET = 19;
export const AF_ATMSVC = 20;
export const AF_RDS = 21;
export const AF_SNA = 22;
export const AF_IRDA = 23;
export const AF_PPPOX = 24;
export const AF_WANPIPE = 25;
export const AF_LLC = 26;
export const AF_IB = 27;
export const AF_MPLS = 28;
export const AF_CAN = 29;
export const AF_TIPC = 30;
export const AF_BLUETOOTH = 31;
export const AF_IUCV = 32;
export const AF_RXRPC = 33;
export const AF_ISDN = 34;
export const AF_PHONET = 35;
export const AF_IEEE802154 = 36;
export const AF_CAIF = 37;
export const AF_ALG = 38;
export const AF_NFC = 39;
export const AF_VSOCK = 40;
export const AF_KCM = 41;
export const AF_QIPCRTR = 42;
export const AF_SMC = 43;
export const AF_XDP = 44;
export const AF_MCTP = 45;

/** Inet protocols of socket(2)'s third argument (linux/in.h). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Socket types (linux/net.h); the type argument of socket(2) also carries SOCK_NONBLOCK and SOCK_CLOEXEC. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_DCCP = 6;
export const SOCK_PACKET = 10;
/** The bits of the type argument that hold the type (linux/net.h SOCK_TYPE_MASK). */
export const SOCK_TYPE_MASK = 0xf;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

/** Netlink protocols (linux/netlink.h). */
export const NETLINK_ROUTE = 0;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
export const NETLINK_SCSITRANSPORT = 18;
export const NETLINK_ECRYPTFS = 19;
export const NETLINK_RDMA = 20;
export const NETLINK_CRYPTO = 21;
export const NETLINK_SMC = 22;

/** clone(2)/unshare(2) flags (linux/sched.h). The low byte of clone's flags is the exit signal (CSIGNAL). */
export const CSIGNAL = 0x000000ff;
export const CLONE_NEWTIME = 0x00000080;
export const CLONE_VM = 0x00000100;
export const CLONE_FS = 0x00000200;
export const CLONE_FILES = 0x00000400;
export const CLONE_SIGHAND = 0x00000800;
export const CLONE_PIDFD = 0x00001000;
export const CLONE_PTRACE = 0x00002000;
export const CLONE_VFORK = 0x00004000;
export const CLONE_PARENT = 0x00008000;
export const CLONE_THREAD = 0x00010000;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_SYSVSEM = 0x00040000;
export const CLONE_SETTLS = 0x00080000;
export const CLONE_PARENT_SETTID = 0x00100000;
export const CLONE_CHILD_CLEARTID = 0x00200000;
export const CLONE_DETACHED = 0x00400000;
export const CLONE_UNTRACED = 0x00800000;
export const CLONE_CHILD_SETTID = 0x01000000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_IO = 0x80000000;
/** Every namespace flag: a jail creates no namespaces. */
export const CLONE_NEW_MASK =
  CLONE_NEWNS |
  CLONE_NEWCGROUP |
  CLONE_NEWUTS |
  CLONE_NEWIPC |
  CLONE_NEWUSER |
  CLONE_NEWPID |
  CLONE_NEWNET |
  CLONE_NEWTIME;

/** Terminal ioctls (asm-generic/ioctls.h). */
export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;
export const TIOCCONS = 0x541d;
export const TIOCSETD = 0x5423;
export const TIOCGETD = 0x5424;

/** Inode flag ioctls (linux/fs.h). The 64-bit names carry sizeof(long); i386's FS_IOC_SETFLAGS is FS_IOC32_SETFLAGS. */
export const FS_IOC_GETFLAGS = 0x80086601;
export const FS_IOC_SETFLAGS = 0x40086602;
export const FS_IOC32_GETFLAGS = 0x80046601;
export const FS_IOC32_SETFLAGS = 0x40046602;
export const FS_IOC_FSGETXATTR = 0x801c581f;
export const FS_IOC_FSSETXATTR = 0x401c5820;

/** File types in a mode (linux/stat.h). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** reboot(2) magic numbers and commands (linux/reboot.h). */
export const LINUX_REBOOT_MAGIC1 = 0xfee1dead;
export const LINUX_REBOOT_MAGIC2 = 0x28121969;
export const LINUX_REBOOT_MAGIC2A = 0x05121996;
export const LINUX_REBOOT_MAGIC2B = 0x16041998;
export const LINUX_REBOOT_MAGIC2C = 0x20112000;
export const LINUX_REBOOT_CMD_RESTART = 0x01234567;
export const LINUX_REBOOT_CMD_HALT = 0xcdef0123;
export const LINUX_REBOOT_CMD_CAD_ON = 0x89abcdef;
export const LINUX_REBOOT_CMD_CAD_OFF = 0x00000000;
export const LINUX_REBOOT_CMD_POWER_OFF = 0x4321fedc;
export const LINUX_REBOOT_CMD_RESTART2 = 0xa1b2c3d4;
export const LINUX_REBOOT_CMD_SW_SUSPEND = 0xd000fce2;
export const LINUX_REBOOT_CMD_KEXEC = 0x45584543;

/** Longest host name sethostname(2) takes (linux/utsname.h). */
export const __NEW_UTS_LEN = 64;

/** Resource limits (asm-generic/resource.h). */
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;

/** Call numbers of i386's ipc(2) multiplexer (linux/ipc.h); IPC_64 is OR-ed into the version bits. */
export const SEMOP = 1;
export const SEMGET = 2;
export const SEMCTL = 3;
export const SEMTIMEDOP = 4;
export const MSGSND = 11;
export const MSGRCV = 12;
export const MSGGET = 13;
export const MSGCTL = 14;
export const SHMAT = 21;
export const SHMDT = 22;
export const SHMGET = 23;
export const SHMCTL = 24;
export const IPC_64 = 0x0100;

/** Call numbers of i386's socketcall(2) multiplexer (linux/net.h). */
export const SYS_SOCKET = 1;
export const SYS_BIND = 2;
export const SYS_CONNECT = 3;
export const SYS_LISTEN = 4;
export const SYS_ACCEPT = 5;
export const SYS_GETSOCKNAME = 6;
export const SYS_GETPEERNAME = 7;
export const SYS_SOCKETPAIR = 8;
export const SYS_SEND = 9;
export const SYS_RECV = 10;
export const SYS_SENDTO = 11;
export const SYS_RECVFROM = 12;
export const SYS_SHUTDOWN = 13;
export const SYS_SETSOCKOPT = 14;
export const SYS_GETSOCKOPT = 15;
export const SYS_SENDMSG = 16;
export const SYS_RECVMSG = 17;
export const SYS_ACCEPT4 = 18;
export const SYS_RECVMMSG = 19;
export const SYS_SENDMMSG = 20;
