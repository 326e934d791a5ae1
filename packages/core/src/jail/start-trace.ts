import { type Channel, channel } from 'node:diagnostics_channel';

/** What the `sysjail:start` diagnostics channel publishes as each stage of a start ends. */
export interface StartStage {
  /** Which startJail call of this process (1, 2, ...): concurrent starts interleave on the channel. */
  readonly start: number;
  /** The stage's name, as SYSJAIL_TRACE=1 prints it ('filter', then start-jail.ts's stages in order). */
  readonly stage: string;
  /** How long it took, ms (performance.now()). */
  readonly ms: number;
}

/** Subscribe with node:diagnostics_channel; published only while it has subscribers. */
export const START_TRACE_CHANNEL = 'sysjail:start';
/** Made at the first start (the module is ~0.1 ms to load in a fresh process; the cli bundle loads it then). */
let stages: Channel | undefined;
let starts = 0;

/**
 * How long each start-up stage took: on the `sysjail:start` channel for its subscribers (a benchmark),
 * and with SYSJAIL_TRACE=1 printed on stderr. Neither the printing nor a subscriber is counted in the
 * next stage (the first write creates process.stderr: node:net and a pipe handle when stderr is a pipe).
 */
export function startTrace(): (stage: string) => void {
  const start = ++starts;
  const print = Boolean(process.env.SYSJAIL_TRACE);
  stages ??= channel(START_TRACE_CHANNEL);
  const published = stages;
  if (!print && !published.hasSubscribers) return () => {};
  let last = performance.now();
  return (stage) => {
    const ms = performance.now() - last;
    if (published.hasSubscribers) published.publish({ start, stage, ms } satisfies StartStage);
    if (print) process.stderr.write(`sysjail: ${stage} ${ms.toFixed(2)} ms\n`);
    last = performance.now();
  };
}
