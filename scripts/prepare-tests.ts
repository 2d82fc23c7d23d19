/**
 * Runs before `pnpm test`: the browser tests need the built bundles (built here when missing
 * or older than their sources) and Debian's chromium (installed here when this is a Debian
 * machine we are root on; otherwise a clear message says how).
 */
import { spawnSync } from 'node:child_process';
import { buildBundle, staleBundles } from './lib/builds.ts';
import { findOnPath } from './lib/infra.ts';

const say = (line: string) => process.stderr.write(`prepare-tests │ ${line}\n`);

for (const bundle of staleBundles()) buildBundle(bundle, say);

if (!findOnPath('chromium')) {
  const root = process.getuid?.() === 0;
  if (root && findOnPath('apt-get')) {
    say('chromium is missing: installing it from Debian (apt-get install -y chromium)…');
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (update.status !== 0 || install.status !== 0)
      say('installing chromium failed: the browser tests will say so');
  } else {
    say('chromium is missing: the browser tests need it (Debian: sudo apt-get install -y chromium)');
  }
}
