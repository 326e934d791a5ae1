/**
 * Runs cases through an adapter: builds the victims and the jail root, starts the sacrificial sleeper
 * outside, runs each victim through the template (64 probes a run at most; solo cases in a jail of their
 * own), bounded by a timeout, judges the outcomes, and cleans up (sleeper killed by pid, temp dir removed).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { hostname as hostHostname, release } from 'node:os';
import { dirname, join } from 'node:path';
import { callerOutcome } from './caller.js';
import type { Case, CaseResult, Confinement, Outcome, Victim } from './case.js';
import { evaluate } from './evaluate.js';
import { buildJailRoot, type JailRoot } from './jail-root.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';
import type { Adapter } from './preset.js';
import { parseVictimOutput } from './protocol.js';
import { shellScript } from './shell-script.js';
import { expandTemplate } from './template.js';
import { buildVictims, type VictimBinaries } from './victim-build.js';

export interface RunOptions {
  readonly adapter: Adapter;
  readonly cases: readonly Case[];
  readonly ip?: string;
  /** a loopback address that is not the jail's: binding it must fail */
  readonly otherIp?: string;
  readonly hostname?: string;
  /** per jail run, milliseconds */
  readonly timeoutMs?: number;
  readonly cacheDir?: string;
  readonly cc?: string;
  /** keep the temp dir (debugging) */
  readonly keep?: boolean;
  readonly onRun?: (info: JailRun) => void;
}

export interface JailRun {
  readonly victim: Victim;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly stderr: string;
  /** a caller case's run: from a caller under this confinement, or from a plain one (its control) */
  readonly caller?: { readonly confinement: Confinement; readonly confined: boolean };
}

export interface RunReport {
  readonly adapter: Adapter;
  readonly ip: string;
  readonly hostname: string;
  readonly kernel: string;
  readonly results: readonly CaseResult[];
  readonly runs: readonly JailRun[];
  readonly durationMs: number;
}

interface Group {
  readonly victim: Victim;
  readonly cases: readonly Case[];
  readonly stdin?: Case['stdin'];
  readonly caller?: Confinement;
}

/** Probes per victim run: some tools cap the argument count (firejail: fewer than 128 arguments). */
const GROUP_SIZE = 64;

function groups(cases: readonly Case[]): Group[] {
  const out: Group[] = [];
  for (const victim of ['v64', 'v32', 'sh', 'fbsd'] as const) {
    const mine = cases.filter((c) => c.victim === victim);
    const shared = mine.filter((c) => !c.solo && !c.stdin && !c.caller);
    for (let i = 0; i < shared.length; i += GROUP_SIZE)
      out.push({ victim, cases: shared.slice(i, i + GROUP_SIZE) });
    for (const c of mine.filter((c) => c.solo && !c.stdin && !c.caller)) out.push({ victim, cases: [c] });
    for (const c of mine.filter((c) => c.stdin)) out.push({ victim, cases: [c], stdin: c.stdin });
    for (const c of mine.filter((c) => c.caller)) out.push({ victim, cases: [c], caller: c.caller });
  }
  return out;
}

function runJail(
  argv: readonly string[],
  fd: number,
  timeoutMs: number,
  stdin: number | Socket | 'ignore' = 'ignore',
): Promise<Omit<JailRun, 'victim'> & { stdout: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin, 'pipe', 'pipe', fd], detached: true });
    } catch (e) {
      resolve({
        argv,
        exitCode: null,
        signal: null,
        timedOut: false,
        durationMs: 0,
        stderr: String(e),
        stdout: '',
      });
      return;
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      // the child leads a process group of its own: kill the group we started, then the child
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    let spawnError = '';
    child.on('error', (e) => {
      spawnError = String(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        argv,
        exitCode: code,
        signal,
        timedOut,
        durationMs: Date.now() - started,
        stderr: spawnError ? `${spawnError}\n${stderr}` : stderr,
        stdout,
      });
    });
  });
}

function startSleeper(victims: VictimBinaries, token: string): ChildProcess {
  const args =
    typeof victims.v64 === 'string'
      ? ([victims.v64, ['sleeper', token]] as const)
      : ([process.execPath, ['-e', 'setInterval(() => {}, 1e6)', token]] as const);
  const child = spawn(args[0], [...args[1]], { stdio: 'ignore' });
  child.on('error', () => {});
  return child;
}

/** Does the host's network namespace show the sleeper's abstract sockets (@sjtest-TOKEN and -dgram)? */
async function sleeperAbstract(token: string): Promise<boolean> {
  const names = [`@sjtest-${token}`, `@sjtest-${token}-dgram`];
  for (let i = 0; i < 20; i++) {
    try {
      const table = readFileSync('/proc/net/unix', 'utf8');
      if (names.every((n) => table.includes(` ${n}\n`))) return true;
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * fs.setuid-host-user: when the jail planted its setuid copy, a host user (nobody: forked, ids set, then
 * exec'd) tries to run it by its host path. The copy only prints its euid when run setuid.
 */
function setuidFromHost(path: string, planted: Outcome | undefined): Outcome | undefined {
  if (planted?.kind !== 'value' || planted.value !== 'planted') return undefined;
  const r = spawnSync(path, [], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
  const euid = /^euid (\d+)$/m.exec(r.stdout ?? '')?.[1];
  if (euid === '0')
    return { kind: 'value', value: 'host-euid-0', detail: `a host user (nobody) ran ${path} with euid 0` };
  const why = r.error ? (r.error as NodeJS.ErrnoException).code : euid ? `euid ${euid}` : `exit ${r.status}`;
  return { kind: 'value', value: 'not-root', detail: `a host user (nobody) running ${path}: ${why}` };
}

/**
 * net.unix-abstract-squat's host client: whenever @sjtest-squat-TOKEN shows in /proc/net/unix (a jail
 * bound it), the victim, run on the host, connects to it and says "host". Returns the stop function.
 */
function watchSquat(victims: VictimBinaries, token: string): () => void {
  if (typeof victims.v64 !== 'string') return () => {};
  const client = victims.v64;
  const name = `sjtest-squat-${token}`;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    let table = '';
    try {
      table = readFileSync('/proc/net/unix', 'utf8');
    } catch {
      return;
    }
    if (!table.includes(` @${name}\n`)) return;
    busy = true;
    const child = spawn(client, ['abstract-client', name], { stdio: 'ignore' });
    child.on('error', () => {});
    child.on('close', () => {
      busy = false;
    });
  }, 25);
  return () => clearInterval(timer);
}

function nsInode(which: string): number {
  try {
    return statSync(`/proc/self/ns/${which}`).ino;
  } catch {
    return 0;
  }
}

/** Why a run reported nothing for a probe: its end, and the last lines of the tool's stderr. */
function noReport(run: Omit<JailRun, 'victim'>, timeoutMs: number): string {
  const end = run.timedOut ? `timed out after ${timeoutMs} ms` : `jail exited ${run.exitCode ?? run.signal}`;
  return `no report: ${end}${run.stderr ? `: ${run.stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`;
}

export async function runCases(options: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const ip = options.ip ?? '127.0.0.5';
  const otherIp = options.otherIp ?? (ip === '127.0.0.9' ? '127.0.0.10' : '127.0.0.9');
  const hostname = options.hostname ?? 'sjtest-jail';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { adapter } = options;
  const victims = buildVictims({ cacheDir: options.cacheDir, cc: options.cc });
  const root: JailRoot = buildJailRoot(victims);
  const inJail = (p: string): string => (adapter.rootIsSlash ? p : join(root.root, p));
  const sleeper = startSleeper(victims, root.token);
  const outsideFd = openSync(root.outside, 'r');
  const hostBefore = hostHostname();
  const results: CaseResult[] = [];
  const runs: JailRun[] = [];
  const subs = { ip, hostname, token: root.token };
  let loopback: LoopbackService | undefined;
  const stopSquat = watchSquat(victims, root.token);
  try {
    await new Promise((r) => setTimeout(r, 100)); // let the sleeper exec
    const abstract = await sleeperAbstract(root.token);
    loopback = await startLoopbackService(root.token).catch(() => undefined);
    let handle = '';
    if (typeof victims.v64 === 'string') {
      try {
        handle = execFileSync(victims.v64, ['handle', root.marker], { encoding: 'utf8' }).trim();
      } catch {
        /* no handle support */
      }
    }
    const params = [
      `ip=${ip}`,
      `other=${otherIp}`,
      `hostname=${hostname}`,
      `token=${root.token}`,
      `sleeper=${sleeper.pid}`,
      `pidns=${nsInode('pid')}`,
      `utsns=${nsInode('uts')}`,
      `marker=${root.marker}`,
      `outside=${root.outside}`,
      'rootmark=/.sjtest-root',
      `scratch=${inJail('/tmp')}`,
      `links=${inJail('/sjtest')}`,
      `handle=${handle}`,
      'fd=3',
      `abstract=${abstract ? 1 : 0}`,
      `looptcp=${loopback?.tcpPort ?? 0}`,
      `loopudp=${loopback?.udpPort ?? 0}`,
    ];
    for (const group of groups(options.cases)) {
      const binary = {
        v64: root.victim64,
        v32: root.victim32,
        sh: root.busybox,
        fbsd: root.victimFreebsd,
      }[group.victim];
      if (!binary) {
        const why =
          group.victim === 'sh'
            ? 'skipped: no busybox (install busybox-static)'
            : (victims[group.victim] as { skipped: string });
        const detail = typeof why === 'string' ? why : why.skipped;
        for (const c of group.cases)
          results.push({ case: c, status: 'skipped', outcome: { kind: 'skip', detail } });
        continue;
      }
      let cmd: string[];
      const solo = group.cases.length === 1 && group.cases[0]!.solo;
      if (group.victim === 'sh') {
        cmd = [
          inJail(binary),
          'sh',
          '-c',
          shellScript,
          'sjtest',
          inJail(binary),
          root.token,
          String(sleeper.pid),
          '/.sjtest-root',
          root.marker,
          ...group.cases.flatMap((c) => [c.id, c.probe]),
        ];
      } else {
        const specs = group.cases.map((c) => `${c.id}=${c.probe}${c.arg ? `:${c.arg}` : ''}`);
        cmd = [
          inJail(binary),
          'run',
          ...params,
          `self=${inJail(binary)}`,
          '--',
          ...(solo ? ['_started=plain'] : []),
          ...specs,
        ];
      }
      let argv = expandTemplate(adapter.template, { root: root.root, hostname, ip, cmd });
      // A caller case: the same jail from a plain caller first (the control), then from the confined one.
      let control: Outcome | undefined;
      if (group.caller && typeof victims.v64 === 'string') {
        const plain = await runJail(argv, outsideFd, timeoutMs);
        const { stdout, ...info } = plain;
        const jailRun: JailRun = {
          victim: group.victim,
          ...info,
          caller: { confinement: group.caller, confined: false },
        };
        runs.push(jailRun);
        options.onRun?.(jailRun);
        const id = group.cases[0]!.id;
        control = parseVictimOutput(stdout).outcomes.get(id) ?? {
          kind: 'missing',
          detail: noReport(plain, timeoutMs),
        };
        argv = [victims.v64, 'confined', group.caller, id, '--', ...argv];
      }
      // The stdio cases: what the caller hands the tool as its stdin.
      let stdin: number | Socket | 'ignore' = 'ignore';
      let socket: Socket | undefined;
      if (group.stdin === 'directory') stdin = outsideFd;
      if (group.stdin === 'socket' && loopback) {
        const s = connect(loopback.tcpPort, '127.0.0.1');
        s.on('error', () => {});
        await new Promise<void>((r) => {
          s.once('connect', () => r());
          s.once('error', () => r());
        });
        socket = s;
        stdin = s;
      }
      if (group.stdin === 'terminal' && typeof victims.v64 === 'string') {
        argv = [victims.v64, 'ptyrun', group.cases[0]!.id, '--', ...argv];
      }
      const reachable = solo && group.cases[0]!.reachableRoot === true;
      const base = dirname(root.root);
      if (reachable) chmodSync(base, 0o755);
      let run: Awaited<ReturnType<typeof runJail>>;
      let hostTry: Outcome | undefined;
      try {
        run = await runJail(argv, outsideFd, timeoutMs, stdin);
        if (reachable)
          hostTry = setuidFromHost(
            join(root.root, 'tmp', 'sjtest-suid'),
            parseVictimOutput(run.stdout).outcomes.get(group.cases[0]!.id),
          );
      } finally {
        socket?.destroy();
        if (reachable) {
          rmSync(join(root.root, 'tmp', 'sjtest-suid'), { force: true });
          chmodSync(base, 0o700);
        }
      }
      const { stdout, ...info } = run;
      const jailRun: JailRun = {
        victim: group.victim,
        ...info,
        ...(group.caller ? { caller: { confinement: group.caller, confined: true } } : {}),
      };
      runs.push(jailRun);
      options.onRun?.(jailRun);
      const parsed = parseVictimOutput(stdout);
      // A tool that does not run FreeBSD programs (the kernel runs the FreeBSD victim as a Linux program,
      // which dies at once) gets no report at all from it: its FreeBSD cases are skipped, not broken.
      if (group.victim === 'fbsd' && parsed.outcomes.size === 0 && !parsed.complete) {
        const detail = `skipped: the tool does not run FreeBSD programs (the FreeBSD victim made no report: ${
          run.timedOut ? 'timed out' : `exit ${run.exitCode ?? run.signal}`
        })`;
        for (const c of group.cases)
          results.push({ case: c, status: 'skipped', outcome: { kind: 'skip', detail } });
        continue;
      }
      const started = !solo || parsed.outcomes.has('_started');
      for (const c of group.cases) {
        let outcome: Outcome = parsed.outcomes.get(c.id) ?? {
          kind: 'missing',
          detail: noReport(run, timeoutMs),
        };
        const mayRefuse = reachable || group.caller !== undefined;
        if (outcome.kind === 'missing' && mayRefuse && !started && !run.timedOut && run.exitCode !== 0) {
          outcome = {
            ...outcome,
            kind: 'refused',
            detail: `the tool refused to run it (exit ${run.exitCode}): ${run.stderr.trim().split('\n')[0]}`,
          };
        }
        if (hostTry) outcome = hostTry;
        if (outcome.kind === 'missing' && solo && !started) outcome = { ...outcome, kind: 'timeout' };
        if (outcome.kind === 'missing' && solo && started && !run.timedOut) {
          outcome = {
            ...outcome,
            detail: `the jail ended (exit ${run.exitCode ?? run.signal}) before the probe reported`,
          };
        }
        if (control) outcome = callerOutcome(outcome, control);
        results.push({ case: c, status: evaluate(c, outcome, subs), outcome });
      }
      const hostAfter = hostHostname();
      if (hostAfter !== hostBefore) {
        try {
          execFileSync('hostname', [hostBefore]);
        } catch {
          /* reported below */
        }
        for (const r of results.filter(
          (r) => r.case.probe === 'sethostname' && group.cases.includes(r.case),
        )) {
          results[results.indexOf(r)] = {
            ...r,
            status: 'broken',
            outcome: { ...r.outcome, detail: `host renamed to ${hostAfter}` },
          };
        }
      }
    }
  } finally {
    stopSquat();
    loopback?.close();
    if (sleeper.pid)
      try {
        process.kill(sleeper.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    closeSync(outsideFd);
    if (!options.keep) root.remove();
  }
  const order = new Map(options.cases.map((c, i) => [c.id, i]));
  results.sort((a, b) => order.get(a.case.id)! - order.get(b.case.id)!);
  return { adapter, ip, hostname, kernel: release(), results, runs, durationMs: Date.now() - started };
}
