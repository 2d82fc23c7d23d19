import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from 'vitest';

const kit = path.resolve(import.meta.dirname, '../src/index.ts');

/**
 * Runs two services in one fresh node, as `pnpm start`'s all-in-one process does; `then` runs
 * once both have started. Resolves with the exit code and the JSON log lines.
 */
function runTwo(options: { secondStart?: string; then?: string; signal?: NodeJS.Signals }) {
  const script = `import { createLogger, hostServices, runService } from ${JSON.stringify(kit)};
hostServices(createLogger({ service: 'host' }));
await Promise.all([
  runService('first', 'info', async (logger) => ({ stop: async () => logger.info('stopping first') })),
  runService('second', 'info', async (logger) => {
    ${options.secondStart ?? ''}
    return { stop: async () => logger.info('stopping second') };
  }),
]);
console.log('{"msg":"started"}');
${options.then ?? ''}
setTimeout(() => {}, 20_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as Record<string, unknown>;
    lines.push(entry);
    if (entry.msg === 'started' && options.signal) child.kill(options.signal);
  });
  return new Promise<{ code: number | null; lines: Record<string, unknown>[] }>((resolve) =>
    child.once('close', (code) => resolve({ code, lines })),
  );
}

const said = (lines: Record<string, unknown>[]) => lines.map((l) => `${String(l.service)}: ${String(l.msg)}`);

describe('several services in one process', () => {
  it('stops them all on SIGTERM, the last started first, and exits 0 once', async () => {
    const { code, lines } = await runTwo({ signal: 'SIGTERM' });
    expect(code).toBe(0);
    expect(said(lines)).toEqual([
      'undefined: started',
      'host: shutting down',
      'second: stopping second',
      'first: stopping first',
      'host: stopped',
    ]);
  });

  it('ends the process when one fails to start, naming that service', async () => {
    const { code, lines } = await runTwo({ secondStart: "throw new Error('no database');" });
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ service: 'second', level: 'fatal', msg: 'no database' }),
    );
    expect(said(lines)).not.toContain('undefined: started');
  });

  it('ends the process when one throws uncaught, for the supervisor to restart it', async () => {
    const { code, lines } = await runTwo({ then: "setTimeout(() => { throw new Error('boom'); }, 10);" });
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        service: 'host',
        kind: 'uncaught exception',
        msg: 'uncaught exception: exiting',
      }),
    );
  });
});
