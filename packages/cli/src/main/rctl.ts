// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('rctl', async (argv) => {
  process.stdout.write(await (await import('../commands/rctl.js')).rctlMain(argv));
  return 0;
});
