// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/jls.js');
runTool(
  'jls',
  async (argv) => {
    process.stdout.write((await load()).jlsMain(argv));
    return 0;
  },
  load,
);
