/* A victim for the filter-injection tests: threads in different states when they are stopped.
 * Main thread: blocked in read(0) (a restartable call). Thread 0: busy in user mode. Threads 1..:
 * in nanosleep (restarted through restart_syscall). On each input line "probe" every thread calls
 * getpgid(0) once and main prints "probe <errno per thread> errors=<n>": errno 0 when allowed, and n
 * counts calls that came back with an error no restart should let out (EINTR, ERESTART*). "quit" ends.
 * Raw system calls only, so no libc wrapper retries on EINTR and hides a wrong restart. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
static int threads;
static volatile int request[MAX_THREADS], done[MAX_THREADS], result[MAX_THREADS];
static volatile int errors;

static int probe(void) {
  long r = syscall(SYS_getpgid, 0);
  return r < 0 ? errno : 0;
}

static void *worker(void *arg) {
  int i = (int)(long)arg;
  for (;;) {
    if (i > 0) {
      struct timespec ts = {0, 20 * 1000 * 1000};
      if (syscall(SYS_nanosleep, &ts, NULL) != 0) __sync_fetch_and_add(&errors, 1);
    }
    if (request[i] != done[i]) {
      result[i] = probe();
      done[i] = request[i];
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  threads = argc > 1 ? atoi(argv[1]) : 0;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  for (int i = 0; i < threads; i++) {
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)(long)i);
  }
  printf("ready %d\n", getpid());
  fflush(stdout);
  char line[64];
  size_t have = 0;
  for (;;) {
    long n = syscall(SYS_read, 0, line + have, sizeof line - 1 - have);
    if (n < 0) {
      errors++;
      continue;
    }
    if (n == 0) return 0;
    have += n;
    line[have] = 0;
    char *nl = strchr(line, '\n');
    if (!nl) continue;
    *nl = 0;
    if (strcmp(line, "quit") == 0) return 0;
    if (strcmp(line, "probe") == 0) {
      for (int i = 0; i < threads; i++) request[i]++;
      for (int i = 0; i < threads; i++)
        while (done[i] != request[i]) {
          struct timespec ts = {0, 1000 * 1000};
          nanosleep(&ts, NULL);
        }
      printf("probe %d", probe());
      for (int i = 0; i < threads; i++) printf(" %d", result[i]);
      printf(" errors=%d\n", errors);
      fflush(stdout);
    }
    have = 0;
  }
}
