import { describe, expect, it } from 'vitest';
import type { Case } from './case.js';
import { cases } from './cases.js';
import { evaluate } from './evaluate.js';
import { parseVictimOutput } from './protocol.js';
import { selectCases } from './select.js';

const subs = { ip: '127.0.0.5', hostname: 'jh', token: 't' };
const byId = (id: string): Case => cases.find((c) => c.id === id)!;

describe('protocol and evaluation', () => {
  it('parses victim lines', () => {
    const out = parseVictimOutput(
      'noise\nSJTEST\ta\tvalue\t-\t127.0.0.5 detail here\nSJTEST\tb\terr\tEPERM\tx\nSJTEST-END\n',
    );
    expect(out.complete).toBe(true);
    expect(out.outcomes.get('a')).toEqual({ kind: 'value', value: '127.0.0.5', detail: 'detail here' });
    expect(out.outcomes.get('b')).toEqual({ kind: 'err', errno: 'EPERM', detail: 'x' });
  });

  it('judges errnos, values, kills and the end of the jail', () => {
    expect(evaluate(byId('ipc.shmget'), { kind: 'err', errno: 'ENOSYS', detail: '' }, subs)).toBe('kept');
    expect(evaluate(byId('ipc.shmget'), { kind: 'ok', detail: '' }, subs)).toBe('broken');
    expect(evaluate(byId('ipc.shmget'), { kind: 'killed', detail: 'SIGSYS' }, subs)).toBe('kept');
    expect(evaluate(byId('sys.swapon'), { kind: 'err', errno: 'ENOENT', detail: '' }, subs)).toBe('broken');
    expect(evaluate(byId('net.bind-any'), { kind: 'value', value: '127.0.0.5', detail: '' }, subs)).toBe(
      'kept',
    );
    expect(evaluate(byId('net.bind-any'), { kind: 'value', value: '0.0.0.0', detail: '' }, subs)).toBe(
      'broken',
    );
    expect(evaluate(byId('host.uname'), { kind: 'value', value: 'jh', detail: '' }, subs)).toBe('kept');
    expect(evaluate(byId('reboot.shutdown'), { kind: 'missing', detail: '' }, subs)).toBe('kept');
    expect(evaluate(byId('reboot.shutdown'), { kind: 'unproven', detail: '' }, subs)).toBe('inconclusive');
    // reboot(2) returned: broken; the caller ended without returning (the kernel's do_exit(0)): kept
    expect(evaluate(byId('reboot.shutdown'), { kind: 'ok', detail: '' }, subs)).toBe('broken');
    expect(evaluate(byId('reboot.shutdown'), { kind: 'value', value: 'exited-0', detail: '' }, subs)).toBe(
      'kept',
    );
    expect(evaluate(byId('reboot.shutdown'), { kind: 'value', value: 'exited-1', detail: '' }, subs)).toBe(
      'broken',
    );
    expect(evaluate(byId('proc.kill'), { kind: 'value', value: 'exited-0', detail: '' }, subs)).toBe(
      'broken',
    );
    expect(evaluate(byId('proc.kill'), { kind: 'missing', detail: '' }, subs)).toBe('error');
    expect(evaluate(byId('func.plain'), { kind: 'err', errno: 'ENOSYS', detail: '' }, subs)).toBe('broken');
  });

  it('selects by id, prefix and tag', () => {
    expect(selectCases(cases, ['proc.kill'], []).map((c) => c.id)).toEqual(['proc.kill']);
    expect(selectCases(cases, ['i386'], []).every((c) => c.victim === 'v32')).toBe(true);
    expect(
      selectCases(cases, ['net.*'], ['race']).every(
        (c) => c.id.startsWith('net.') && !c.tags.includes('race'),
      ),
    ).toBe(true);
  });
});
