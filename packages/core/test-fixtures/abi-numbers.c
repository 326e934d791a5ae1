// Prints, as JSON, the numbers of the x86_64 ABI that the kernel's UAPI headers and the C library
// define and a syscall table does not carry: AUDIT_ARCH_X86_64 (linux/audit.h) and every errno name
// (strerrorname_np over the kernel's range). Built and run by jail-fixture.ts for the uapi emulation.
#define _GNU_SOURCE
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

int main(void) {
	printf("{\"auditArch\": %u, \"errno\": {", (unsigned)AUDIT_ARCH_X86_64);
	const char *sep = "";
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);
		if (!name) continue;
		printf("%s\"%s\": %d", sep, name, e);
		sep = ", ";
	}
	printf("}}\n");
	return 0;
}
