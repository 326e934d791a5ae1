/** Built-in adapters: a template, and whether the command sees {root} as / (else it sees host paths). */
import { UsageError } from './errors.js';

export interface Adapter {
  readonly name: string;
  readonly template: string;
  /** the jailed command sees the jail root as "/"; false: paths are host paths ({root}/...) */
  readonly rootIsSlash: boolean;
  readonly description: string;
}

export interface PresetOptions {
  /** the `jail` command of sysjail; default `jail` from PATH */
  readonly jailBin?: string;
}

export function presets(options: PresetOptions = {}): readonly Adapter[] {
  return [
    {
      name: 'sysjail',
      template: `${options.jailBin ?? 'jail'} {root} {hostname} {ip} {cmd}`,
      rootIsSlash: true,
      description: 'sysjail jail(8): jail PATH HOSTNAME IP COMMAND...',
    },
    {
      name: 'bwrap',
      template:
        'bwrap --bind {root} / --proc /proc --dev /dev --unshare-pid --unshare-uts --unshare-ipc --hostname {hostname} --die-with-parent {cmd}',
      rootIsSlash: true,
      description: 'bubblewrap with a PID, UTS and IPC namespace (it has no address confinement)',
    },
    {
      name: 'firejail',
      // --chroot is disabled in firejail's default firejail.config: the command sees host paths
      template: 'firejail --quiet --noprofile --hostname={hostname} {cmd}',
      rootIsSlash: false,
      description: 'firejail without a profile and without --chroot (disabled by default in firejail.config)',
    },
    {
      name: 'bwrap-strict',
      template:
        'bwrap --bind {root} / --proc /proc --dev /dev --unshare-user --unshare-pid --unshare-uts --unshare-ipc --unshare-cgroup --hostname {hostname} --cap-drop ALL --new-session --die-with-parent {cmd}',
      rootIsSlash: true,
      description: 'bubblewrap with a user namespace, all capabilities dropped and a new session',
    },
    { name: 'chroot', template: 'chroot {root} {cmd}', rootIsSlash: true, description: 'chroot(8) alone' },
    {
      name: 'none',
      template: '{cmd}',
      rootIsSlash: false,
      description: 'no jail at all: shows what every probe can reach',
    },
  ];
}

export function findPreset(name: string, options: PresetOptions = {}): Adapter {
  const found = presets(options).find((p) => p.name === name);
  if (!found)
    throw new UsageError(
      `unknown preset ${name}; presets: ${presets()
        .map((p) => p.name)
        .join(', ')}`,
    );
  return found;
}
