import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('undoes the stages last first, once, past a failing undo', async () => {
    const done: string[] = [];
    const t = new Teardown();
    t.push('a', () => {
      done.push('a');
    });
    t.push('b', () => {
      throw new Error('b fails');
    });
    t.push('c', async () => {
      done.push('c');
    });
    expect(t.stages()).toEqual(['a', 'b', 'c']);
    const runs = await Promise.all([t.run(), t.run()]);
    expect(await t.run()).toEqual([{ stage: 'b', error: 'b fails' }]);
    expect(runs).toEqual([[{ stage: 'b', error: 'b fails' }], [{ stage: 'b', error: 'b fails' }]]);
    expect(done).toEqual(['c', 'a']);
  });

  it('runs at once an undo pushed after the run (a jail that ended while starting)', async () => {
    const done: string[] = [];
    const t = new Teardown();
    expect(await t.run()).toEqual([]);
    t.push('late', () => {
      done.push('late');
    });
    t.push('late failing', () => Promise.reject(new Error('still populated')));
    expect(await t.run()).toEqual([{ stage: 'late failing', error: 'still populated' }]);
    expect(done).toEqual(['late']);
  });
});
