import { describe, expect, it } from 'vitest';
import { restartDelayMs, runService, superviseService, DEFAULT_RESTART_POLICY } from '../lib/processes.ts';

const QUICK = { initialDelayMs: 5, maxDelayMs: 20, resetAfterMs: 60_000 };
const crashing = () => runService('crasher', ['-e', 'process.exit(3)'], process.env, 10);

/** Resolves when `lines` holds `count` lines matching `pattern`. */
function linesMatching(lines: string[], pattern: RegExp, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const check = () => {
      const found = lines.filter((l) => pattern.test(l));
      if (found.length >= count) resolve(found);
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('pnpm start supervising a service', () => {
  it('restarts a service that died after it started, with growing delays, and says so', async () => {
    const lines: string[] = [];
    const firstExits: (number | null)[] = [];
    const supervised = superviseService(
      crashing,
      (l) => lines.push(l),
      (c) => firstExits.push(c),
      QUICK,
    );
    supervised.keepAlive();
    const said = await linesMatching(lines, /exited with code 3: restarting in/, 3);
    await supervised.stop();
    expect(said.slice(0, 3)).toEqual([
      'crasher exited with code 3: restarting in 0.005 s (restart 1)',
      'crasher exited with code 3: restarting in 0.01 s (restart 2)',
      'crasher exited with code 3: restarting in 0.02 s (restart 3)',
    ]);
    expect(lines.filter((l) => /restarted \(pid \d+\)/.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(firstExits).toEqual([]);
  });

  it('does not restart a service that fails to start: that is reported once instead', async () => {
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => {
      superviseService(crashing, (l) => lines.push(l), resolve, QUICK);
    });
    expect(await exited).toBe(3);
    expect(lines).toEqual([]);
  });

  it('backs off from 1 s doubling to at most 30 s', () => {
    expect([1, 2, 3, 5, 6, 10].map((n) => restartDelayMs(DEFAULT_RESTART_POLICY, n))).toEqual([
      1000, 2000, 4000, 16_000, 30_000, 30_000,
    ]);
  });
});

describe('pnpm start printing the logs of a process that runs several services', () => {
  it('prefixes each line with the service that wrote it, and other output with the process', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
    try {
      const lines = [
        '{"level":"info","time":"2026-12-07T10:00:00.000Z","service":"tasks","msg":"ready"}',
        '{"level":"warn","time":"2026-12-07T10:00:01.000Z","service":"gateway","msg":"slow"}',
        'a plain line',
      ];
      const script = `for (const l of ${JSON.stringify(lines)}) console.log(l);`;
      const proc = runService('all-in-one', ['-e', script], process.env, 10, { prefixByService: true });
      await proc.exited;
    } finally {
      process.stdout.write = write;
    }
    expect(written).toEqual([
      'tasks      │ 10:00:00 INFO  ready \n',
      'gateway    │ 10:00:01 WARN  slow \n',
      'all-in-one │ a plain line\n',
    ]);
  });
});
