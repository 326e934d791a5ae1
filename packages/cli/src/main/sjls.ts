// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('sjls', async (argv) => {
  process.stdout.write((await import('../commands/sjls.js')).sjlsMain(argv));
  return 0;
});
