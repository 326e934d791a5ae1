// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/sysjail-service.js');
runTool('sysjail-service', async (argv) => (await load()).sysjailServiceMain(argv), load);
