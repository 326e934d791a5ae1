#!/usr/bin/env node
import { jexecMain } from '../commands/jexec.js';
import { runTool } from '../run-tool.js';

runTool('jexec', (argv) => jexecMain(argv));
