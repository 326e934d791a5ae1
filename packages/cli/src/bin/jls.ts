#!/usr/bin/env node
import { jlsMain } from '../commands/jls.js';
import { runTool } from '../run-tool.js';

runTool('jls', (argv) => {
  process.stdout.write(jlsMain(argv));
  return 0;
});
