// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

const load = () => import('../commands/jail.js');
runTool(
  'jail',
  async (argv) => (await load()).jailMain('jail', argv),
  async () => Promise.all([load(), (await import('../emulations.js')).importDependencies()]),
);
