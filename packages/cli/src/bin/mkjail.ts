#!/usr/bin/env node
import { mkjailMain } from '../commands/mkjail.js';
import { runTool } from '../run-tool.js';

runTool('mkjail', (argv) => mkjailMain(argv));
