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
    await Promise.all([t.run(), t.run()]);
    await t.run();
    expect(done).toEqual(['c', 'a']);
  });

  it('runs at once an undo pushed after the run (a jail that ended while starting)', async () => {
    const done: string[] = [];
    const t = new Teardown();
    await t.run();
    t.push('late', () => {
      done.push('late');
    });
    await t.run();
    expect(done).toEqual(['late']);
  });
});
