import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const kit = path.resolve(import.meta.dirname, '../src/index.ts');

/** Runs `body` in a fresh node with the kit's process policy installed; its exit and log lines. */
function runWithPolicy(body: string) {
  const script = `import { createLogger, exitOnUncaughtErrors } from ${JSON.stringify(kit)};
const logger = createLogger({ service: 'policy-test' });
exitOnUncaughtErrors(logger);
${body}
setTimeout(() => console.log('still running'), 2000);`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: run.status, lines, stdout: run.stdout };
}

describe('process policy', () => {
  it.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom'); }, 10);", 'uncaught exception'],
    ['an unhandled rejection', "void Promise.reject(new Error('boom'));", 'unhandled rejection'],
  ])('logs %s at fatal and exits 1 instead of running on', (_what, body, kind) => {
    const { status, lines, stdout } = runWithPolicy(body);
    expect(status).toBe(1);
    expect(stdout).not.toContain('still running');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'fatal', kind, err: expect.objectContaining({ message: 'boom' }) }),
    );
  });
});
