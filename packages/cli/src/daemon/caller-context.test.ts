import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statField, statusField } from './caller-context.js';

describe('statField', () => {
  // field 2, the command, may hold spaces and parentheses: fields are counted after the last ')'
  // fields 3..52 of proc(5): state S, nice 5 (19), rt_priority 7 (40), policy 3 (41), the others their number
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = 'S';
  fields[19 - 3] = '5';
  fields[40 - 3] = '7';
  fields[41 - 3] = '3';
  const stat = `4242 (a) b (c) ${fields.join(' ')}\n`;

  it('counts after the last parenthesis', () => {
    expect(statField(stat, 3)).toBe('S');
    expect(statField(stat, 4)).toBe('4');
    expect(statField(stat, 19)).toBe('5'); // nice
    expect(statField(stat, 40)).toBe('7'); // rt_priority
    expect(statField(stat, 41)).toBe('3'); // policy
    expect(statField(stat, 52)).toBe('52');
    expect(statField(stat, 53)).toBeUndefined();
  });

  it('has no field 1 or 2, nor any without a parenthesis', () => {
    expect(statField(stat, 2)).toBeUndefined();
    expect(statField('4242 S 1', 3)).toBeUndefined();
  });
});

describe('statusField', () => {
  const status =
    'Name:\tsleep\nUmask:\t0022\nGroups:\t \nSeccomp:\t2\nSeccomp_filters:\t1\nCpus_allowed_list:\t0-1\n';

  it('the value of a line, trimmed; a name is matched whole, up to its colon', () => {
    expect(statusField(status, 'Name')).toBe('sleep');
    expect(statusField(status, 'Umask')).toBe('0022');
    expect(statusField(status, 'Groups')).toBe('');
    expect(statusField(status, 'Seccomp')).toBe('2');
    expect(statusField(status, 'Seccomp_filters')).toBe('1');
    expect(statusField(status, 'Cpus_allowed_list')).toBe('0-1');
    expect(statusField(status, 'Cpus_allowed')).toBeUndefined();
    expect(statusField(status, 'ame')).toBeUndefined();
  });
});

describe('proof-link', () => {
  it('imports nothing but node:fs (it is bundled into the small jail client)', () => {
    const source = readFileSync(new URL('./proof-link.ts', import.meta.url), 'utf8');
    expect(
      [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]),
    ).toEqual(['node:fs']);
  });
});
