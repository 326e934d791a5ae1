// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/jail.js');
runTool(
  'sysjail',
  async (argv) => (await load()).jailMain('sysjail', argv),
  async () => Promise.all([load(), (await import('../emulations.js')).importDependencies()]),
);
