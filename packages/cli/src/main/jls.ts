// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('jls', async (argv) => {
  process.stdout.write((await import('../commands/jls.js')).jlsMain(argv));
  return 0;
});
