import { describe, expect, it } from 'vitest';
import {
  effectiveRules,
  formatRctlRule,
  humanAmount,
  matchesFilter,
  parseAmount,
  parseRctlFilter,
  parseRctlRule,
} from './rctl-rule.js';

describe('rctl rules', () => {
  it("parses FreeBSD's rule syntax with suffixes and /jail", () => {
    expect(parseRctlRule('jail:www:memoryuse:deny=1g')).toEqual({
      subject: 'jail',
      jail: 'www',
      resource: 'memoryuse',
      action: 'deny',
      amount: 2 ** 30,
    });
    expect(parseRctlRule('j:7:maxproc:deny=100/jail').amount).toBe(100);
    expect(parseRctlRule('jail:db:cputime:sigxcpu=60').action).toBe('sigxcpu');
    expect(parseRctlRule('jail:db:writebps:throttle=10M').amount).toBe(10 * 2 ** 20);
  });

  it('refuses other subjects, resources and actions by name', () => {
    expect(() => parseRctlRule('user:1000:maxproc:deny=1')).toThrow(/subject "user" is not supported/);
    expect(() => parseRctlRule('jail:a:vmemoryuse:deny=1')).toThrow(/"vmemoryuse" is not supported on Linux/);
    expect(() => parseRctlRule('jail:a:bogus:deny=1')).toThrow(/unknown resource "bogus"/);
    expect(() => parseRctlRule('jail:a:memoryuse:log=1')).toThrow(
      /action "log" is not supported for memoryuse/,
    );
    expect(() => parseRctlRule('jail:a:cputime:deny=1')).toThrow(
      /action "deny" is not supported for cputime/,
    );
    expect(() => parseRctlRule('jail:a:memoryuse:explode=1')).toThrow(/unknown action/);
    expect(() => parseRctlRule('jail:a:memoryuse:deny=1/process')).toThrow(/per "process"/);
    expect(() => parseRctlRule('jail:a:memoryuse:deny=1x')).toThrow(/bad amount/);
    expect(() => parseRctlRule('jail:a:memoryuse')).toThrow(/expected one "="/);
    expect(() => parseRctlRule('jail:a:pcpu:deny=0')).toThrow(/pcpu/);
  });

  it('filters match by the parts given', () => {
    const r = parseRctlRule('jail:www:memoryuse:deny=1024');
    expect(matchesFilter(r, parseRctlFilter('jail:'))).toBe(true);
    expect(matchesFilter(r, parseRctlFilter('jail:www'))).toBe(true);
    expect(matchesFilter(r, parseRctlFilter('jail:www:memoryuse'))).toBe(true);
    expect(matchesFilter(r, parseRctlFilter('jail:www:maxproc'))).toBe(false);
    expect(matchesFilter(r, parseRctlFilter('jail:db'))).toBe(false);
    expect(matchesFilter(r, parseRctlFilter('jail:www:memoryuse:deny=1k'))).toBe(true);
  });

  it('formats, with human units for byte amounts', () => {
    expect(formatRctlRule(parseRctlRule('jail:www:memoryuse:deny=1g'))).toBe(
      'jail:www:memoryuse:deny=1073741824',
    );
    expect(formatRctlRule(parseRctlRule('jail:www:memoryuse:deny=1g'), true)).toBe(
      'jail:www:memoryuse:deny=1G',
    );
    expect(formatRctlRule(parseRctlRule('jail:www:maxproc:deny=2048'), true)).toBe(
      'jail:www:maxproc:deny=2048',
    );
    expect(humanAmount(1536)).toBe('1536');
    expect(humanAmount(3 * 2 ** 20)).toBe('3M');
    expect(parseAmount('2T', 'r')).toBe(2 * 2 ** 40);
  });

  it('the strictest rule per resource and action is in force', () => {
    const rules = ['jail:a:memoryuse:deny=2g', 'jail:a:memoryuse:deny=1g', 'jail:a:maxproc:deny=5'].map(
      parseRctlRule,
    );
    expect(effectiveRules(rules).map((r) => formatRctlRule(r, true))).toEqual([
      'jail:a:memoryuse:deny=1G',
      'jail:a:maxproc:deny=5',
    ]);
  });
});
