/**
 * What jails of one filter share (program, notify table, tables) is copied to a supervisor worker thread
 * once and named by id afterwards; the parts of jails that ended are kept for a few more, then dropped.
 * Jails with a listener get a filter of their own each (compiled each time): a sequence of them and of
 * plain jails goes through new, reused and dropped parts, and every jail is served with its own (its
 * listener sees its calls; a plain jail's handler answers them), also with two jails running at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JailFixture, makeJailFixture } from '../../test-fixtures/jail-fixture.js';
import { startJail } from '../jail/start-jail.js';
import type { Listener } from '../listen/listener.js';
import { eventually } from '../testing/host-state.js';

let fx: JailFixture;
beforeAll(async () => {
  fx = await makeJailFixture('shared');
}, 60_000);
afterAll(() => fx?.cleanup());

async function start(withListener: boolean) {
  let heard = 0;
  const listener: Listener = {
    syscall: 'mkdir',
    handle: () => {
      heard++;
      return { action: 'errno', errno: 'EACCES' };
    },
  };
  const jail = await startJail({
    prison: fx.prison(),
    command: ['/bin/victim', 'mediated-loop', '/tmp/shared-made'],
    emulation: fx.emulation,
    supervision: 'worker',
    ...(withListener ? { listeners: [listener] } : {}),
  });
  return { jail, heard: () => heard };
}

describe('the shared parts of prepared jails (worker supervision)', () => {
  it('serve every jail with its own filter: new, reused and dropped parts', async () => {
    const kinds = [true, false, true, true, false, true, true, true, false, true, false];
    for (const withListener of kinds) {
      const a = await start(withListener);
      const b = await start(!withListener); // another filter, running at the same time
      for (const { jail, heard } of [a, b]) {
        const listened = jail === a.jail ? withListener : !withListener;
        if (listened) expect(await eventually(() => heard() >= 3, 10_000)).toBe(true);
        else expect(await eventually(() => jail.counters().emulated >= 3, 10_000)).toBe(true);
        expect(Object.keys(jail.counters().byCall)).toEqual(['mkdir']);
      }
      await a.jail.stop();
      await b.jail.stop();
    }
  }, 120_000);
});
