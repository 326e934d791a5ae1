#!/usr/bin/env node
import { rctlMain } from '../commands/rctl.js';
import { runTool } from '../run-tool.js';

runTool('rctl', async (argv) => {
  process.stdout.write(await rctlMain(argv));
  return 0;
});
