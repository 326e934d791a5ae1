// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('jexec', async (argv) => (await import('../commands/jexec.js')).jexecMain(argv));
