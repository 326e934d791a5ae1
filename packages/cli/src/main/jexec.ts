// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/jexec.js');
runTool('jexec', async (argv) => (await load()).jexecMain(argv), load);
