// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/sjls.js');
runTool(
  'sjls',
  async (argv) => {
    process.stdout.write((await load()).sjlsMain(argv));
    return 0;
  },
  load,
);
