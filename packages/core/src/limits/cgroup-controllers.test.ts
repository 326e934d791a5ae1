import { describe, expect, it } from 'vitest';
import { controllerLayout } from './cgroup-controllers.js';

const hybrid = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const hybridSelf = '8:pids:/\n7:blkio:/\n4:memory:/box/a\n2:cpuacct:/\n1:cpu:/\n0::/\n';

describe('controller layout', () => {
  it('hybrid: v1 hierarchies, nested under our own cgroup in each', () => {
    const l = controllerLayout(hybrid, hybridSelf, () => 'hugetlb\n');
    expect(l.memory).toEqual({ kind: 'v1', mount: '/sys/fs/cgroup/memory', own: '/box/a' });
    expect(l.pids).toEqual({ kind: 'v1', mount: '/sys/fs/cgroup/pids', own: '/' });
    expect(l.cpu).toEqual({ kind: 'v1', mount: '/sys/fs/cgroup/cpu', own: '/' });
    expect(l.io).toEqual({ kind: 'v1', mount: '/sys/fs/cgroup/blkio', own: '/' });
  });

  it('pure v2: the controllers listed at the cgroup2 root', () => {
    const l = controllerLayout(
      '30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate',
      '0::/user.slice\n',
      (root) => (root === '/sys/fs/cgroup' ? 'cpuset cpu io memory hugetlb pids rdma misc\n' : ''),
    );
    for (const c of ['memory', 'pids', 'cpu', 'io'] as const) {
      expect(l[c]).toEqual({ kind: 'v2', root: '/sys/fs/cgroup' });
    }
  });

  it('a controller on neither is none; a co-mounted v1 hierarchy (cpu,cpuacct) counts', () => {
    const l = controllerLayout(
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      '1:cpu,cpuacct:/x\n0::/\n',
      () => 'pids\n',
    );
    expect(l.cpu).toEqual({ kind: 'v1', mount: '/sys/fs/cgroup/cpu,cpuacct', own: '/x' });
    expect(l.pids).toEqual({ kind: 'v2', root: '/sys/fs/cgroup/unified' });
    expect(l.memory).toEqual({ kind: 'none' });
  });
});
