import { describe, expect, it } from 'vitest';
import { JailSetupError } from '../errors.js';
import { cgroup2Mounts, findCgroup2Mount } from './cgroup2-mount.js';

const mountinfo = `22 27 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
42 31 0:39 / /sys/fs/cgroup/cpu rw,relatime shared:11 - cgroup cgroup rw,cpu
90 27 0:38 /sysjail /mnt/sub rw,relatime - cgroup2 cgroup2 rw
91 27 0:40 / /mnt/with\\040space rw,relatime - cgroup2 cgroup2 rw
`;

describe('cgroup2 mount from mountinfo', () => {
  it('finds hierarchy roots only, unescaping octal', () => {
    expect(cgroup2Mounts(mountinfo)).toEqual(['/sys/fs/cgroup/unified', '/mnt/with space']);
    expect(findCgroup2Mount(mountinfo)).toBe('/sys/fs/cgroup/unified');
  });

  it('throws JailSetupError when there is none', () => {
    expect(() => findCgroup2Mount('42 31 0:39 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n')).toThrow(
      JailSetupError,
    );
  });
});
