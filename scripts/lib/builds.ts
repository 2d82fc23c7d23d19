import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './subgraphs.ts';

/** Browser bundles `pnpm start` serves; built when missing or older than their sources. */
export const BUNDLES = [
  { name: 'ui', sources: 'ui/src', output: 'ui/dist/index.html', filter: '@ates/ui' },
  {
    name: 'explorer',
    sources: 'gateway/explorer/src',
    output: 'gateway/explorer/dist/index.html',
    filter: '@ates/explorer',
  },
] as const;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function staleBundles() {
  return BUNDLES.filter((b) => {
    const sources = path.join(repoRoot, b.sources);
    if (!fs.existsSync(sources)) return false;
    const output = path.join(repoRoot, b.output);
    return !fs.existsSync(output) || fs.statSync(output).mtimeMs < newestMtime(sources);
  });
}

export function buildBundle(bundle: (typeof BUNDLES)[number], say: (line: string) => void): void {
  say(`building the ${bundle.name} bundle…`);
  const result = spawnSync('pnpm', ['--filter', bundle.filter, 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building the ${bundle.name} bundle failed`);
}
