import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testNatsUrl } from '@ates/testing';
import { listDeadLetters } from '../src/index.ts';
import {
  consumerOptions,
  expectAppliedOnce,
  publishViaOutbox,
  recordingHandlers,
  startConsumer,
} from './support/consumers.ts';
import { harnessPerFile, userCreated } from './support/harness.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

/** `pnpm events ...` as an operator types it (without pnpm's banner). */
async function events(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      'node',
      ['--import', 'tsx', 'packages/events/src/cli/main.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, NATS_URL: testNatsUrl() },
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const h = harnessPerFile('cli');

describe('pnpm events (operator CLI)', () => {
  it('lists, shows and replays dead letters; resets a consumer; reports the outbox', async () => {
    let broken = true;
    const event = userCreated();
    const handlers = recordingHandlers('cli-consumer', () => {
      if (broken) throw new Error('boom');
    });
    const consumer = await startConsumer(consumerOptions(h, 'cli-consumer', handlers, { maxDeliver: 1 }));
    await publishViaOutbox(h, [event]);
    await consumer.caughtUp();
    const [dead] = await listDeadLetters(h.database.db);
    const id = String(dead?.id);

    const [list, show, status] = await Promise.all([
      events('dead-letters', 'list', '--db', h.testDb.url),
      events('dead-letters', 'show', id, '--db', h.testDb.url),
      events('outbox', 'status', '--db', h.testDb.url),
    ]);
    expect(list.stdout).toContain(`${id}\tdead\tcli-consumer\tuser.created v1 ${event.id}`);
    expect(list.stdout).toContain('handler failed on delivery 1 of 1: boom');
    expect(JSON.parse(show.stdout)).toMatchObject({
      id: dead?.id,
      payload: { id: event.id },
      reason: expect.any(String),
    });
    expect(status.stdout).toContain('0 unpublished');

    broken = false;
    const replay = await events('dead-letters', 'replay', id, '--db', h.testDb.url);
    expect(replay.stdout).toContain(`replayed dead letter ${id}`);
    await consumer.caughtUp();
    await consumer.stop();
    expect(await expectAppliedOnce(h, 'cli-consumer', [event.id])).toBe(true);

    const reset = await events('consumer', 'reset', 'cli-consumer', '--stream', consumer.stream);
    expect(reset.stdout).toContain('2 messages to replay');
    expect(reset.stdout).toContain('inbox kept');

    const bad = await events('dead-letters', 'frobnicate');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command');
  });
});
