#!/usr/bin/env node
import { jailMain } from '../commands/jail.js';
import { runTool } from '../run-tool.js';

runTool('sysjail', (argv) => jailMain('sysjail', argv));
