// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/rctl.js');
runTool(
  'rctl',
  async (argv) => {
    process.stdout.write(await (await load()).rctlMain(argv));
    return 0;
  },
  load,
);
