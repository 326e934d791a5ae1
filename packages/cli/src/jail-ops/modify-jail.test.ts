import { describe, expect, it } from 'vitest';
import { jailChange, modifyParams } from './modify-jail.js';

describe('jail -m parameters', () => {
  it('host name, addresses and allow flags, canonical', () => {
    expect(
      modifyParams([
        'host.hostname=new.example',
        'ip4.addr=127.0.10.1,127.0.10.5',
        'ip6.addr=::1',
        'allow.raw_sockets',
        'allow.noset_hostname',
      ]),
    ).toEqual({
      'host.hostname': 'new.example',
      'ip4.addr': '127.0.10.1,127.0.10.5',
      'ip6.addr': '::1',
      'allow.raw_sockets': 'true',
      'allow.set_hostname': 'false',
    });
  });

  it("become core's change of a running jail", () => {
    expect(
      jailChange(
        modifyParams(['host.hostname=n.example', 'ip4.addr=127.0.10.1,127.0.10.2', 'allow.raw_sockets']),
      ),
    ).toEqual({
      hostname: 'n.example',
      ipv4: ['127.0.10.1', '127.0.10.2'],
      flags: { allowRawSockets: true },
    });
  });

  it('sysjail.deny: stricter rules, errno EPERM unless named', () => {
    expect(jailChange(modifyParams(['sysjail.deny=mkdir:EROFS,mkdirat', 'host.hostname=n.example']))).toEqual(
      {
        hostname: 'n.example',
        rules: [
          { syscall: 'mkdir', decision: { action: 'errno', errno: 'EROFS' }, reason: 'jail -m sysjail.deny' },
          {
            syscall: 'mkdirat',
            decision: { action: 'errno', errno: 'EPERM' },
            reason: 'jail -m sysjail.deny',
          },
        ],
      },
    );
  });

  it('sysjail.move: pid:subpolicy, not part of the change itself', () => {
    const params = modifyParams(['sysjail.move=12:readonly']);
    expect(params).toEqual({ 'sysjail.move': '12:readonly' });
    expect(jailChange(params)).toEqual({});
  });

  it.each([
    ['sysjail.move=abc', 'sysjail.move: expected pid:subpolicy (the pid as the jail sees it)'],
    ['sysjail.move=0:x', 'sysjail.move: expected pid:subpolicy (the pid as the jail sees it)'],
    ['sysjail.deny=', 'sysjail.deny: no system call named'],
    ['sysjail.deny=mkdir:erofs', 'sysjail.deny: mkdir:erofs: not syscall or syscall:ERRNO'],
    ['path=/x', 'path: cannot be changed on a running jail'],
    ['persist', 'persist: cannot be changed on a running jail'],
    ['vnet', 'vnet: not supported: '],
    ['host.hostnam=x', 'unknown parameter "host.hostnam" (did you mean "host.hostname"?)'],
    ['allow.raw_sockets=maybe', 'allow.raw_sockets: unknown boolean value "maybe"'],
    ['ip4.addr=::1', 'invalid IP address: ::1'],
  ])('%s is refused', (op, message) => {
    expect(() => modifyParams([op])).toThrow(message);
  });
});
