#!/usr/bin/env node
import { sysjailServiceMain } from '../commands/sysjail-service.js';
import { runTool } from '../run-tool.js';

runTool('sysjail-service', (argv) => sysjailServiceMain(argv));
