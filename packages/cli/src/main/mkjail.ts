// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('mkjail', async (argv) => (await import('../commands/mkjail.js')).mkjailMain(argv));
