// The TS encoder and the C decoder agree: every op encoded here reads back, through the C side's
// describe, as the record and fields written by hand below (and random strings and ints round-trip).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { landlockAbiVersion, landlockFsAccess } from '../landlock.js';
import { describeSetupProgram } from './native-launcher.js';
import type { SetupOp } from './setup-op.js';
import { encodeSetupProgram, type LaunchRequest, RECORD_CODES } from './setup-program.js';

const base: LaunchRequest = {
  namespaces: 0x20000,
  setup: [],
  command: '/bin/true',
  stdio: [0, 1, 2],
};

describe('setup program', () => {
  it('the spawn record reads back as written', () => {
    const text = describeSetupProgram(
      encodeSetupProgram({
        namespaces: 0x20000 | 0x20000000,
        cgroupFd: 17,
        deathSignal: 9,
        setup: [],
        command: { fd: 23 },
        argv0: 'sysjail-init',
        args: ['-u', '1000', '--', 'sh', '-c', 'echo "a\\b"'],
        env: { PATH: '/bin', EMPTY: '' },
        cwd: '/home',
        stdio: [5, 1, 7, 9],
      }),
    );
    expect(text).toBe(
      `spawn ${0x20000 | 0x20000000} 17 9 23 1 null "/home" [ "sysjail-init" "-u" "1000" "--" "sh" "-c" "echo \\"a\\\\b\\"" ] [ "PATH=/bin" "EMPTY=" ] [ 5 1 7 9 ]\n`,
    );
    const byPath = describeSetupProgram(encodeSetupProgram({ ...base, copyMemory: true }));
    expect(byPath).toBe(`spawn ${0x20000} -1 0 -1 0 "/bin/true" null [ "/bin/true" ] [ ] [ 0 1 2 ]\n`);
  });

  it('every op reads back with its fields', () => {
    const filter = Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]);
    const ops: [SetupOp, string][] = [
      [{ op: 'unshare', flags: 0x20000 }, 'unshare 131072'],
      [
        { op: 'mount', source: null, target: '/', fstype: null, flags: 0x44000 },
        'mount null "/" null 278528 null',
      ],
      [
        { op: 'mount', source: 'tmpfs', target: '/r/dev', fstype: 'tmpfs', flags: 10, data: 'mode=755' },
        'mount "tmpfs" "/r/dev" "tmpfs" 10 "mode=755"',
      ],
      [{ op: 'mountProc', target: '/r/proc' }, 'mountProc "/r/proc" 14'],
      [
        { op: 'mountProc', target: '/p', attrs: 2, options: { hidepid: '2', subset: 'pid', ro: true } },
        'mountProc "/p" 2 "hidepid" "2" "subset" "pid" "ro" null',
      ],
      [
        { op: 'bindInRoot', source: '/srv/x', root: '/r', target: '/mnt', readonly: true },
        'bindInRoot "/srv/x" "/r" "/mnt" 1',
      ],
      [
        {
          op: 'tmpfsInRoot',
          root: '/r',
          target: '/tmp',
          options: { size: '1m', mode: '1777' },
          readonly: false,
        },
        'tmpfsInRoot "/r" "/tmp" 0 "size" "1m" "mode" "1777"',
      ],
      [{ op: 'umount2', target: '.', flags: 2 }, 'umount2 "." 2'],
      [{ op: 'umount2', target: '/x' }, 'umount2 "/x" 0'],
      [{ op: 'sethostname', name: 'jail.example' }, 'sethostname "jail.example"'],
      [{ op: 'setdomainname', name: 'example' }, 'setdomainname "example"'],
      [{ op: 'pivotRoot', newRoot: '.', putOld: '.' }, 'pivotRoot "." "."'],
      [{ op: 'chdir', path: '/' }, 'chdir "/"'],
      [{ op: 'fchdir', fd: 12 }, 'fchdir 12'],
      [{ op: 'chroot', path: '/r' }, 'chroot "/r"'],
      [{ op: 'mkdir', path: '/r/dev/pts', mode: 0o1777 }, `mkdir "/r/dev/pts" ${0o1777}`],
      [{ op: 'mkdir', path: '/a' }, `mkdir "/a" ${0o755}`],
      [
        { op: 'mknod', path: '/r/dev/null', mode: 0o020666, major: 1, minor: 3 },
        `mknod "/r/dev/null" ${0o020666} 1 3`,
      ],
      [{ op: 'symlink', target: 'pts/ptmx', path: '/r/dev/ptmx' }, 'symlink "pts/ptmx" "/r/dev/ptmx"'],
      [
        { op: 'dropBoundingSet', keep: [0, 21, 40] },
        `dropBoundingSet ${(1n | (1n << 21n) | (1n << 40n)).toString()}`,
      ],
      [
        { op: 'setCapabilities', effective: [1], permitted: [1, 2], inheritable: [] },
        'setCapabilities 2 6 0',
      ],
      [{ op: 'noNewPrivs' }, 'noNewPrivs'],
      [{ op: 'landlockScope', scoped: 2 }, 'landlock 0 2 null 0'],
      [
        { op: 'landlock', scoped: 2, beneath: '/' },
        `landlock ${landlockFsAccess(landlockAbiVersion()).toString()} 2 "/" 0`,
      ],
      [
        { op: 'landlock', scoped: 0, beneath: '/', subdirectoryRules: 64 },
        `landlock ${landlockFsAccess(landlockAbiVersion()).toString()} 0 "/" 64`,
      ],
      [{ op: 'seccomp', filter, flags: 8 }, `seccomp 8 bytes:8:${fnv1a(filter)}`],
    ];
    const text = describeSetupProgram(encodeSetupProgram({ ...base, setup: ops.map(([op]) => op) }));
    const lines = text.split('\n').slice(1, -1);
    expect(lines).toEqual(ops.map(([, line]) => line));
    // every record code the C side knows is named alike here
    const named = new Set(lines.map((l) => l.split(' ')[0]));
    for (const name of Object.keys(RECORD_CODES)) if (name !== 'spawn') expect(named).toContain(name);
  });

  it('strings, ints and bytes of any value round-trip', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.uint8Array({ maxLength: 64 }).filter((b) => b.length > 0 && b.length % 8 === 0),
        (s, n, bytes) => {
          const text = describeSetupProgram(
            encodeSetupProgram({
              ...base,
              setup: [
                { op: 'sethostname', name: s },
                { op: 'seccomp', filter: bytes, flags: 0 },
              ],
              env: { X: s },
              namespaces: Number(n & 0xffffffffn),
            }),
          );
          const [spawn, host, seccomp] = text.split('\n');
          expect(host).toBe(`sethostname ${quote(s)}`);
          expect(seccomp).toBe(`seccomp 0 bytes:${bytes.length}:${fnv1a(bytes)}`);
          expect(spawn).toContain(`[ ${quote(`X=${s}`)} ]`);
          expect(spawn.startsWith(`spawn ${n & 0xffffffffn} `)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a damaged program is refused by the decoder, never run', () => {
    const good = encodeSetupProgram({ ...base, setup: [{ op: 'chdir', path: '/' }] });
    expect(() => describeSetupProgram(good.subarray(0, good.length - 4))).toThrow(/bad record 1/);
    const badMagic = Uint8Array.from(good);
    badMagic[0] ^= 1;
    expect(() => describeSetupProgram(badMagic)).toThrow(/bad record -1/);
    const badCode = Uint8Array.from(good);
    // the chdir record's code, after the spawn record: make it a code nobody knows
    const view = Buffer.from(badCode.buffer);
    const at = view.lastIndexOf(Buffer.from([RECORD_CODES.chdir, 0, 0, 0, 1, 0, 0, 0]));
    view.writeUInt32LE(999, at);
    expect(() => describeSetupProgram(badCode)).toThrow(/bad record 1/);
  });
});

/** The C side's quoting: JSON-like, bytes outside printable ASCII as \u00XX per byte. */
function quote(s: string): string {
  let out = '"';
  for (const c of Buffer.from(s, 'utf8')) {
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c < 0x20 || c >= 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out}"`;
}

function fnv1a(b: Uint8Array): number {
  let h = 2166136261;
  for (const x of b) h = Math.imul(h ^ x, 16777619) >>> 0;
  return h;
}
