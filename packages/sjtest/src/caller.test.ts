import { describe, expect, it } from 'vitest';
import { callerOutcome } from './caller.js';
import type { Outcome } from './case.js';
import { cases } from './cases.js';
import { evaluate } from './evaluate.js';

const value = (v: string, detail = 'd'): Outcome => ({ kind: 'value', value: v, detail });
const subs = { ip: '127.0.73.1', hostname: 'h', token: 't' };
const status = (id: string, confined: Outcome, control: Outcome) =>
  evaluate(cases.find((c) => c.id === id)!, callerOutcome(confined, control), subs);

describe('callerOutcome', () => {
  it('is confined when the control shows the same jail without the confinement', () => {
    expect(callerOutcome(value('confined', 'EPERM'), value('unconfined', 'ran'))).toEqual({
      kind: 'value',
      value: 'confined',
      detail: 'EPERM; from a plain caller: unconfined: ran',
    });
    for (const c of cases.filter((c) => c.caller))
      expect(status(c.id, value('confined'), value('unconfined')), c.id).toBe('kept');
  });

  it('breaks every caller case when the command is unconfined, whatever the control says', () => {
    for (const c of cases.filter((c) => c.caller)) {
      expect(status(c.id, value('unconfined'), value('unconfined')), c.id).toBe('broken');
      expect(status(c.id, value('unconfined'), value('confined')), c.id).toBe('broken');
    }
  });

  it('says confined-anyway when the tool confines every jail so: Landlock cannot be judged then', () => {
    expect(callerOutcome(value('confined'), value('confined')).value).toBe('confined-anyway');
    expect(status('caller.no-new-privs', value('confined'), value('confined'))).toBe('kept');
    expect(status('caller.landlock', value('confined'), value('confined'))).toBe('inconclusive');
  });

  it('counts a probe killed by a filter as confined, and keeps a refusal to run', () => {
    const killed: Outcome = { kind: 'killed', detail: 'SIGSYS' };
    expect(callerOutcome(killed, value('unconfined')).value).toBe('confined');
    const refused: Outcome = { kind: 'refused', detail: 'the tool refused to run it (exit 1)' };
    expect(status('caller.landlock', refused, value('unconfined'))).toBe('kept');
  });

  it('decides nothing without a control verdict, and passes a skip or a missing report on', () => {
    const missing: Outcome = { kind: 'missing', detail: 'no report: jail exited 1' };
    expect(callerOutcome(value('confined'), missing).kind).toBe('missing');
    expect(status('caller.seccomp', value('confined'), missing)).toBe('error');
    const skip: Outcome = { kind: 'skip', detail: 'the caller could not confine itself' };
    expect(callerOutcome(skip, value('unconfined'))).toEqual(skip);
    expect(callerOutcome(missing, value('unconfined'))).toEqual(missing);
  });
});
