// Benchmark: seccomp notification round trip (a child's notified getppid() answered with a value),
// Node supervisor (this package) side by side with a minimal C supervisor and the plain syscall.
// Run with `pnpm bench` (builds first). Writes bench/results.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NotificationListener,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
  SpawnerPool,
  sysno,
} from '../dist/index.js';

const N = Number(process.env.BENCH_N ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'systrace-bench-'));

// the same filter the tests use: notify getppid on x86_64, allow the rest
function filter(nr) {
  const insn = (code, jt, jf, k) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(code, 0);
    b[2] = jt;
    b[3] = jf;
    b.writeUInt32LE(k >>> 0, 4);
    return b;
  };
  return Buffer.concat([
    insn(0x20, 0, 0, 4),
    insn(0x15, 0, 3, 0xc000003e),
    insn(0x20, 0, 0, 0),
    insn(0x15, 0, 1, nr),
    insn(0x06, 0, 0, 0x7fc00000),
    insn(0x06, 0, 0, 0x7fff0000),
  ]);
}

const C_SUPERVISOR = `
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6; older UAPI headers */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int main(int argc, char **argv) {
	long n = atol(argv[2]);
	int pfd[2], ack[2];
	if (pipe(pfd) || pipe(ack)) return 2;
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof f / sizeof f[0], f };
		int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0) { perror("seccomp"); _exit(2); }
		if (write(pfd[1], &fd, sizeof fd) != sizeof fd) _exit(2);
		char c; /* the listener is close-on-exec: wait until the parent has its copy */
		if (read(ack[0], &c, 1) != 1) _exit(2);
		close(pfd[0]); close(pfd[1]); close(ack[0]); close(ack[1]);
		execl(argv[1], argv[1], argv[2], (char *)NULL);
		_exit(127);
	}
	int cfd;
	if (read(pfd[0], &cfd, sizeof cfd) != sizeof cfd) return 2;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int lfd = syscall(SYS_pidfd_getfd, pidfd, cfd, 0);
	if (lfd < 0) { perror("pidfd_getfd"); return 2; }
	if (argc > 3 && ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)) { perror("set_flags"); return 2; }
	if (write(ack[1], "g", 1) != 1) return 2;
	struct seccomp_notif_sizes sz;
	syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz);
	struct seccomp_notif *req = malloc(sz.seccomp_notif);
	struct seccomp_notif_resp *resp = malloc(sz.seccomp_notif_resp);
	for (long i = 0; i < n; i++) {
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, req)) { perror("recv"); return 2; }
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		resp->val = 42;
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, resp)) { perror("send"); return 2; }
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}
`;

function compile() {
  const loop = join(dir, 'notify-loop');
  execFileSync('gcc', ['-O2', '-static', '-o', loop, here('../test-fixtures/notify-loop.c')]);
  writeFileSync(join(dir, 'supervisor.c'), C_SUPERVISOR);
  const sup = join(dir, 'supervisor');
  execFileSync('gcc', ['-O2', '-o', sup, join(dir, 'supervisor.c')]);
  return { loop, sup };
}

/** Runs the C supervisor; returns [notified µs/call, plain µs/call] as measured by the child. */
function cRound(bins, sync) {
  const r = spawnSync(bins.sup, [bins.loop, String(N), ...(sync ? ['sync'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`C supervisor failed: ${r.stderr}`);
  return r.stdout.trim().split(' ').map(Number);
}

/** The Node supervisor: receive + respond on the main thread (optionally poll before each receive). */
async function nodeRound(pool, bins, withPoll, sync = false) {
  const outPath = join(dir, 'node-out.txt');
  const out = openSync(outPath, 'w');
  const child = await pool.spawn({
    setup: [{ op: 'seccomp', filter: filter(sysno.getppid), flags: SECCOMP_FILTER_FLAG_NEW_LISTENER }],
    command: bins.loop,
    args: [String(N)],
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const l = new NotificationListener(child.listenerFd);
  if (sync) l.setFlags(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    if (withPoll && l.poll(5000) !== 'notification') throw new Error('poll');
    const n = l.receive();
    l.respond(n.id, { val: 42 });
  }
  const t1 = process.hrtime.bigint();
  const exit = await child.exited;
  l.close();
  if (exit.code !== 0) throw new Error(`victim exited ${exit.code}`);
  const [notified, plain] = readFileSync(outPath, 'utf8').trim().split(' ').map(Number);
  return { notified, plain, supervisorUs: Number(t1 - t0) / 1000 / N };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const pool = new SpawnerPool({ size: 1 });
try {
  const bins = compile();
  await nodeRound(pool, bins, false); // warm-up (JIT)
  const c = [];
  const node = [];
  const nodePoll = [];
  const cSync = [];
  const nodeSync = [];
  // interleaved, so that load from elsewhere hits every variant alike
  for (let r = 0; r < ROUNDS; r++) {
    c.push(cRound(bins, false));
    node.push(await nodeRound(pool, bins, false));
    nodePoll.push(await nodeRound(pool, bins, true));
    cSync.push(cRound(bins, true));
    nodeSync.push(await nodeRound(pool, bins, false, true));
  }
  const cSyncNotified = median(cSync.map((x) => x[0]));
  const nSyncNotified = median(nodeSync.map((x) => x.notified));
  const cNotified = median(c.map((x) => x[0]));
  const plain = median([...c.map((x) => x[1]), ...node.map((x) => x.plain)]);
  const nNotified = median(node.map((x) => x.notified));
  const pNotified = median(nodePoll.map((x) => x.notified));
  const rows = [
    ['plain getpid() in the filtered child (filter runs, ALLOW)', plain],
    ['notified getppid(), C supervisor (RECV + SEND)', cNotified],
    ['notified getppid(), Node supervisor: receive() + respond()', nNotified],
    ['notified getppid(), Node supervisor: poll() + receive() + respond()', pNotified],
    ['notified getppid(), C supervisor, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP', cSyncNotified],
    ['notified getppid(), Node supervisor, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP', nSyncNotified],
  ];
  const table = rows
    .map(([name, us]) => `| ${name} | ${us.toFixed(2)} | ${(us / cNotified).toFixed(2)}x |`)
    .join('\n');
  const md = `# systrace-bindings benchmark: seccomp notification round trip

- date: ${new Date().toISOString()}
- kernel: ${release()}
- node: ${process.version}
- calls per run: ${N}, runs: ${ROUNDS} (median), measured by the child around its own calls
- machine: 2 shared CPU cores; numbers vary run to run

| call | µs per call | vs C supervisor |
|---|---|---|
${table}

Goal: the Node supervisor within 2x of the C floor: ${nNotified <= 2 * cNotified ? 'met' : 'NOT met'} (${(nNotified / cNotified).toFixed(2)}x; with SYNC_WAKE_UP on both sides ${(nSyncNotified / cSyncNotified).toFixed(2)}x).
Per-run values (µs, notified call): C ${c.map((x) => x[0].toFixed(2)).join(' ')}; Node ${node.map((x) => x.notified.toFixed(2)).join(' ')}.
`;
  writeFileSync(here('./results.md'), md);
  process.stdout.write(md);
} finally {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
}
