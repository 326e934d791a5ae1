// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('sysjail-service', async (argv) =>
  (await import('../commands/sysjail-service.js')).sysjailServiceMain(argv),
);
