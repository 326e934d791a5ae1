#!/usr/bin/env node
import { sjlsMain } from '../commands/sjls.js';
import { runTool } from '../run-tool.js';

runTool('sjls', (argv) => {
  process.stdout.write(sjlsMain(argv));
  return 0;
});
