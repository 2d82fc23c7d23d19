import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allInOneArgs, services } from '../lib/services.ts';
import { repoRoot } from '../lib/subgraphs.ts';

describe('pnpm start running every service in one process', () => {
  it('starts the gateway once every other service has, as a process per service would', () => {
    const args = allInOneArgs(services(), true);
    const entries = args.slice(args.indexOf(path.join(repoRoot, 'dist/all-in-one.js')) + 1);
    const names = entries.map((e) => (e === '--then' ? e : path.basename(e, '.js')));
    expect(names).toEqual([
      ...services()
        .filter((s) => s.group === 1)
        .map((s) => s.name),
      '--then',
      'gateway',
    ]);
  });

  it('runs the sources through tsx, and the build with plain node', () => {
    expect(allInOneArgs(services(), false)).toContain('tsx');
    expect(allInOneArgs(services(), false)).toContain(path.join(repoRoot, 'gateway/src/main.ts'));
    expect(allInOneArgs(services(), true).filter((a) => /tsx|\.ts$/.test(a))).toEqual([]);
  });
});
