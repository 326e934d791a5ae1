// The handler against a recording context: what it copies, what it decides, what it asks core to do.
import type { HandlerContext, NotifiedCall } from '@sysjail/core';
import { describe, expect, it } from 'vitest';
import { handlers } from './handlers.js';

function context(memory: Buffer, performed: string[]): HandlerContext {
  return {
    read: (_address: bigint, length: number) => memory.subarray(0, length),
    sethostname: (name: Buffer) => {
      performed.push(name.toString('latin1'));
      return { val: 0 };
    },
  } as unknown as HandlerContext;
}

const sethostname = (length: number): NotifiedCall => ({
  id: 1n,
  pid: 1,
  auditArch: 0xc000003e,
  abi: 'x86_64',
  bits: 64,
  nr: 170,
  syscall: 'sethostname',
  args: [0x1000n, BigInt(length)],
});

describe('the hostname handler', () => {
  it('sets a name of letters, digits, dots and dashes (the copy, through core)', () => {
    const performed: string[] = [];
    expect(handlers.hostname(sethostname(12), context(Buffer.from('ok-1.example'), performed))).toEqual({
      val: 0,
    });
    expect(performed).toEqual(['ok-1.example']);
  });

  it('refuses other names and long ones with EINVAL, performing nothing', () => {
    const performed: string[] = [];
    for (const name of ['bad name', 'semi;colon', '-lead', 'trail.', ''])
      expect(
        handlers.hostname(sethostname(name.length), context(Buffer.from(name), performed)),
      ).toMatchObject({
        errno: 'EINVAL',
      });
    expect(handlers.hostname(sethostname(65), context(Buffer.alloc(65, 'a'), performed))).toEqual({
      errno: 'EINVAL',
    });
    expect(performed).toEqual([]);
  });

  it('keeps Linux’s handlers for the Linux rules', () => {
    expect(Object.keys(handlers)).toEqual(
      expect.arrayContaining(['listen', 'socketcall', 'setrlimit', 'reboot']),
    );
  });
});
