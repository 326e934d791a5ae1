import { describe, expect, it } from 'vitest';
import type { JailSpec } from '../jail-conf/jail-spec.js';
import { creationOrder, removalOrder } from './depend-order.js';

const specs = (deps: Record<string, string[]>) =>
  new Map(Object.entries(deps).map(([name, depend]) => [name, { name, depend } as unknown as JailSpec]));

describe('depend', () => {
  const s = specs({ web: ['db'], db: ['cache'], cache: [], other: [] });

  it('creates dependencies first, and only those not running', () => {
    expect(creationOrder(s, ['web'], () => false).map((j) => j.name)).toEqual(['cache', 'db', 'web']);
    expect(creationOrder(s, ['web'], (n) => n === 'cache').map((j) => j.name)).toEqual(['db', 'web']);
    expect(creationOrder(s, ['other', 'db'], () => false).map((j) => j.name)).toEqual([
      'other',
      'cache',
      'db',
    ]);
  });

  it('removes dependents first', () => {
    expect(removalOrder(s, ['cache'], ['cache', 'db', 'web', 'other'])).toEqual(['web', 'db', 'cache']);
    expect(removalOrder(s, ['db', 'web'], ['db', 'web'])).toEqual(['web', 'db']);
  });

  it('refuses a loop and an undefined dependency', () => {
    expect(() => creationOrder(specs({ a: ['b'], b: ['a'] }), ['a'], () => false)).toThrow(
      'depend: a -> b -> a: a dependency loop',
    );
    expect(() => creationOrder(specs({ a: ['zz'] }), ['a'], () => false)).toThrow(
      'a: depend: jail zz is not defined',
    );
  });
});
