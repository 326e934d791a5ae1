// The command's modules are imported once runTool has handled --help and --version.
import { runTool } from '../run-tool.js';

runTool('jail', async (argv) => (await import('../commands/jail.js')).jailMain('jail', argv));
