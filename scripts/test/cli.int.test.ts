import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/subgraphs.ts';

// The scripts behind `pnpm start`, `demo`, `events`, `db:migrate`, `bench`, `build` and
// `smoke`, `backup`, `restore`, run as pnpm runs them (node --import tsx), without pnpm's own banner in the output.
const COMMANDS: Record<string, string> = {
  start: 'scripts/start.ts',
  demo: 'scripts/demo.ts',
  events: 'packages/events/src/cli/main.ts',
  'db:migrate': 'scripts/db-migrate.ts',
  bench: 'bench/run.ts',
  build: 'scripts/build.ts',
  smoke: 'scripts/smoke.ts',
  backup: 'scripts/backup.ts',
  restore: 'scripts/restore.ts',
};

function run(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(Object.entries(COMMANDS))('pnpm %s', (name, script) => {
  it('answers --help with its usage and exit code 0, doing nothing else', () => {
    const { code, stdout, stderr } = run(script, '--help');
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^Usage: pnpm ${name}`));
    expect(code).toBe(0);
  });

  it('rejects an unknown flag with one line on stderr and exit code 2', () => {
    const { code, stdout, stderr } = run(script, '--bogus');
    expect(stdout).toBe('');
    expect(stderr).toBe(`pnpm ${name}: unknown option '--bogus' (see pnpm ${name} --help)\n`);
    expect(code).toBe(2);
  });
});

describe('pnpm restore', () => {
  it('needs a backup folder and known service names (exit 2, one line)', () => {
    expect(run(COMMANDS.restore!)).toMatchObject({
      code: 2,
      stderr: 'pnpm restore: missing <folder> (see pnpm restore --help)\n',
    });
    expect(run(COMMANDS.restore!, 'some-folder', '--service', 'ledger')).toMatchObject({
      code: 2,
      stderr: "pnpm restore: unknown service 'ledger' (see pnpm restore --help)\n",
    });
  });

  it('refuses a folder that holds no finished backup, with the reason (exit 1)', () => {
    const { code, stderr } = run(COMMANDS.restore!, 'scripts/test');
    expect(stderr).toMatch(
      /^pnpm restore: .*scripts\/test has no manifest.json: not a backup, or an unfinished one\n$/,
    );
    expect(code).toBe(1);
  });
});
