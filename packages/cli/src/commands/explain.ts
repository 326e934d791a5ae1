import { explainPolicy, formatPolicyExplanation, type Prison } from '@sysjail/core';
import { CHANGEABLE } from '../config/changeable.js';
import type { ExplainJailConfig } from '../config/index.js';
import { chooseEmulation, emulationNamed, jailEmulation, MIXED } from '../emulation-choice.js';
import { installedEmulations } from '../emulations.js';

/** The prison as far as its policy depends on it: address families and flags. */
function prisonLines(prison: Prison): string[] {
  const addresses = (family: string, list: readonly string[]) =>
    `${family}: ${list.length > 0 ? list.join(' ') : 'none (sockets of this family are refused)'}`;
  const flags = Object.entries(prison.flags).map(([flag, on]) => `${flag}=${on ? 'yes' : 'no'}`);
  return [addresses('ipv4', prison.ipv4), addresses('ipv6', prison.ipv6), `flags: ${flags.join(' ')}`];
}

/**
 * sysjail --explain: the policy a jail of this prison runs under, per ABI, every syscall with its
 * decision and reason (core's explainPolicy). The emulation is --emulation's, else the command's (as a
 * jail would pick it), else the native one. With --changeable, the filter of a jail made with those
 * flags changeable (sysjail.changeable): the calls they decide go to the supervisor. Starts nothing,
 * needs no privilege.
 */
export async function explainText(config: ExplainJailConfig): Promise<string> {
  const emulations = await installedEmulations();
  const mixed = config.emulation === MIXED;
  const chosen =
    config.emulation !== undefined && !mixed
      ? emulationNamed(emulations, config.emulation)
      : config.command.length > 0
        ? chooseEmulation(emulations, config.prison.path, config.command[0])
        : emulations[0];
  const { emulation, underLoader, loaderBinfmt } = jailEmulation(emulations, chosen, mixed);
  // A mixed jail runs in a user namespace of its own, which its policy lets the init enter.
  const prison = loaderBinfmt ? { ...config.prison, userNamespace: true } : config.prison;
  const lines = ['# sysjail --explain: the seccomp policy of a jail of this prison (no jail started)'];
  lines.push(...prisonLines(config.prison).map((l) => `# ${l}`));
  if (underLoader)
    lines.push(`# ${chosen.name} programs run through their loader, under the ${emulation.name} policy`);
  if (loaderBinfmt)
    lines.push("# mixed: the kernel runs the loader per exec (binfmt_misc in the jail's own user namespace)");
  const changeableFlags = config.changeableFlags ?? [];
  if (changeableFlags.length > 0) {
    const names = changeableFlags.map((f) => Object.keys(CHANGEABLE).find((k) => CHANGEABLE[k] === f) ?? f);
    lines.push(`# changeable (sysjail.changeable): ${names.join(', ')}`);
  }
  const explanation = explainPolicy(prison, emulation, { changeableFlags });
  return `${lines.join('\n')}\n${formatPolicyExplanation(explanation)}`;
}
