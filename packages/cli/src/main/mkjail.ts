// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/mkjail.js');
runTool('mkjail', async (argv) => (await load()).mkjailMain(argv), load);
