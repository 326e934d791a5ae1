/** Tests' prewarm with worker threads, whatever SYSJAIL_SUPERVISION forces on the test run. */
import { prewarm } from '../jail/engine.js';

export function prewarmWorker(): void {
  const forced = process.env.SYSJAIL_SUPERVISION;
  delete process.env.SYSJAIL_SUPERVISION;
  try {
    prewarm({ supervision: 'worker' });
  } finally {
    if (forced !== undefined) process.env.SYSJAIL_SUPERVISION = forced;
  }
}
