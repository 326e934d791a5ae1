import { describe, expect, it } from 'vitest';
import { decodeWaitStatus } from './wait-status.js';

describe('decodeWaitStatus', () => {
  it('gives the exit code or the signal name', () => {
    expect(decodeWaitStatus(0)).toEqual({ code: 0, signal: null });
    expect(decodeWaitStatus(7 << 8)).toEqual({ code: 7, signal: null });
    expect(decodeWaitStatus(9)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(decodeWaitStatus(15 | 0x80)).toEqual({ code: null, signal: 'SIGTERM' }); // core dumped
    expect(decodeWaitStatus(31)).toEqual({ code: null, signal: 'SIGSYS' });
  });
});
