import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { START_TRACE_CHANNEL, type StartStage, startTrace } from './start-trace.js';

describe('startTrace', () => {
  const got: StartStage[] = [];
  const onStage = (m: unknown) => got.push(m as StartStage);
  afterEach(() => {
    unsubscribe(START_TRACE_CHANNEL, onStage);
    got.length = 0;
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("publishes each stage's ms on the sysjail:start channel, one start number per start", () => {
    vi.stubEnv('SYSJAIL_TRACE', '');
    subscribe(START_TRACE_CHANNEL, onStage);
    const first = startTrace();
    const second = startTrace();
    first('filter');
    second('filter');
    const until = performance.now() + 2;
    while (performance.now() < until);
    first('registry');
    expect(got.map((m) => m.stage)).toEqual(['filter', 'filter', 'registry']);
    expect(got[1].start).toBe(got[0].start + 1);
    expect(got[2].start).toBe(got[0].start);
    expect(got[2].ms).toBeGreaterThanOrEqual(2);
    expect(got[0].ms).toBeGreaterThanOrEqual(0);
  });

  it('SYSJAIL_TRACE=1 prints the stages on stderr; without it nothing is printed', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('SYSJAIL_TRACE', '1');
    startTrace()('cgroup');
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0][0])).toMatch(/^sysjail: cgroup [0-9]+\.[0-9]{2} ms\n$/);
    vi.stubEnv('SYSJAIL_TRACE', '');
    startTrace()('cgroup');
    expect(write).toHaveBeenCalledTimes(1);
    expect(got).toEqual([]);
  });
});
