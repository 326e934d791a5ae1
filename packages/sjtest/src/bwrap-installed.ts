// For the tests against the bwrap preset: bubblewrap, installed with apt-get when it is missing.
import { execFileSync } from 'node:child_process';

export function ensureBwrap(): void {
  try {
    execFileSync('sh', ['-c', 'command -v bwrap'], { stdio: 'ignore' });
  } catch {
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap'],
      { stdio: 'ignore' },
    );
  }
}
