/* The raw system call of the victim's architecture. On i386 it is `int 0x80` itself, not the vDSO
 * entry libc uses, so the probes test exactly the legacy entry point. */
#include "victim.h"
#include <unistd.h>

long sj_sys(long nr, long a1, long a2, long a3, long a4, long a5) {
#if defined(__x86_64__)
  return syscall(nr, a1, a2, a3, a4, a5);
#elif defined(__i386__)
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
                   : "memory");
  if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
  return ret;
#else
#error "sjtest victims support x86_64 and i386"
#endif
}

long sj_sendto(long fd, const void *buf, long len, const void *addr, long addrlen) {
#if defined(__x86_64__)
  return syscall(SYS_sendto, fd, buf, len, 0, addr, addrlen);
#else
  return sj_sys6(SYS_sendto, fd, (long)buf, len, 0, (long)addr, addrlen);
#endif
}

long sj_sys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
#if defined(__x86_64__)
  return syscall(nr, a1, a2, a3, a4, a5, a6);
#else
  /* the sixth argument goes in %ebp: load everything through one pointer, save %ebx and %ebp */
  long args[7] = {a1, a2, a3, a4, a5, a6, nr}, ret;
  __asm__ volatile("push %%ebp\n\t"
                   "push %%ebx\n\t"
                   "mov 20(%%eax), %%ebp\n\t"
                   "mov 16(%%eax), %%edi\n\t"
                   "mov 12(%%eax), %%esi\n\t"
                   "mov 8(%%eax), %%edx\n\t"
                   "mov 4(%%eax), %%ecx\n\t"
                   "mov 0(%%eax), %%ebx\n\t"
                   "mov 24(%%eax), %%eax\n\t"
                   "int $0x80\n\t"
                   "pop %%ebx\n\t"
                   "pop %%ebp"
                   : "=a"(ret)
                   : "a"(args)
                   : "ecx", "edx", "esi", "edi", "memory");
  if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
  return ret;
#endif
}
