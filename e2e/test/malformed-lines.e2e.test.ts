import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@ates/service-kit';
import type { TestDatabase } from '@ates/testing';
import { services } from '../../scripts/lib/services.ts';
import { MALFORMED_TARGETS, rawGet, sendRaw } from '../src/raw-http.ts';
import { placeServices, testProcessEnv } from '../src/service-processes.ts';

/**
 * Issue 19's acceptance: `pnpm start` as a user runs it (every service a process of its own),
 * then the request lines that used to kill every process, sent raw to every port it listens on.
 */

let databases: TestDatabase[] = [];
const output: string[] = [];
let start: ChildProcess | undefined;
let dataDir: string;
/** Every port of the started system, by service. */
let ports = new Map<string, number>();

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-malformed-'));
  const env = testProcessEnv(dataDir);
  ({ ports, databases } = await placeServices(env, services(), 'malformed'));
  start = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [start!.stdout!, start!.stderr!])
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (/ready: web UI at/.test(line)) resolve();
      });
    start!.once('exit', (code) => reject(new Error(`pnpm start exited (${code}):\n${output.join('\n')}`)));
  });
  await ready;
}, 300_000);

afterAll(async () => {
  if (start && start.exitCode === null) {
    const exited = new Promise((resolve) => start!.once('exit', resolve));
    start.kill('SIGINT');
    await exited;
  }
  for (const db of databases) await db.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('pnpm start, hit with malformed request lines on every port', () => {
  it('answers each with a 4xx, and every process stays up', async () => {
    expect([...ports.keys()].sort()).toEqual(
      services()
        .filter((s) => s.port)
        .map((s) => s.name)
        .sort(),
    );
    for (const [name, port] of ports)
      for (const target of MALFORMED_TARGETS) {
        const answer = await sendRaw(port, rawGet(target));
        expect({ name, target, status: Math.floor(answer.status / 100) }).toEqual({
          name,
          target,
          status: 4,
        });
        expect(answer.bytes, `${name} ${target}`).toBeLessThanOrEqual(16 * 1024);
      }
    for (const [name, port] of ports) {
      const health = await sendRaw(port, rawGet('/healthz'));
      expect({ name, status: health.status }).toEqual({ name, status: 200 });
    }
    // The supervisor would have said so had any process died (and been restarted).
    expect(output.filter((line) => /exited with code/.test(line))).toEqual([]);
    expect(start?.exitCode).toBeNull();
  });
});
