import { describe, expect, it } from 'vitest';
import { NoEmulationError } from '../errors.js';
import { defaultPrisonFlags } from '../prison.js';
import type { JailOptions } from './jail-options.js';
import { startJail } from './start-jail.js';

describe('startJail without an emulation', () => {
  it('says core needs one, before anything starts', async () => {
    const options = {
      prison: {
        path: '/nonexistent',
        hostname: 'h',
        ipv4: ['127.0.0.1'],
        ipv6: [],
        flags: defaultPrisonFlags,
      },
      command: ['/bin/true'],
    } as unknown as JailOptions;
    const e = await startJail(options).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoEmulationError);
    expect((e as Error).message).toBe(
      'no emulation given: @sysjail/core cannot run a jail alone; pass one (linux from @sysjail/emul-linux)',
    );
  });
});
