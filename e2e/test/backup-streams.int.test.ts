import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStreams,
  enqueueEvents,
  makeEvent,
  readStreamTail,
  removeStreams,
  startOutboxRelay,
  streamName,
} from '@ates/events';
import { applyMigrations, connectDatabase, createLogger } from '@ates/service-kit';
import { createTestDatabase, createTestNamespace, testNatsUrl, type TestDatabase } from '@ates/testing';
import { takeBackup } from '../../scripts/lib/backup/backup.ts';
import { recoveryConfig } from '../../scripts/lib/backup/config.ts';
import { RestoreRefused, restoreBackup } from '../../scripts/lib/backup/restore.ts';
import { TARGETS } from '../../scripts/lib/backup/targets.ts';

const SERVICES = Object.keys(TARGETS).filter((s) => TARGETS[s]!.byDefault);
const namespace = createTestNamespace();
const logger = createLogger({ service: 'backup-streams-test', level: 'silent' });
let nats: Awaited<ReturnType<typeof connectNats>>;
let jsm: JetStreamManager;
const databases: Record<string, TestDatabase> = {};
let root: string;
const { migrations } = recoveryConfig();

const urls = () => Object.fromEntries(SERVICES.map((s) => [s, databases[s]!.url]));
const ids = async (domain: 'users' | 'tasks') =>
  (await readStreamTail(nats, streamName(namespace, domain), 1)).map(
    (m) => (JSON.parse(Buffer.from(m.data).toString('utf8')) as { id: string }).id,
  );

beforeAll(async () => {
  nats = await connectNats(testNatsUrl());
  jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace);
  for (const service of SERVICES) {
    databases[service] = await createTestDatabase(`bkstreams_${service}`);
    await applyMigrations(databases[service].url, migrations[service]!);
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-backup-streams-'));
});
afterAll(async () => {
  await removeStreams(jsm, namespace);
  await nats?.close();
  for (const db of Object.values(databases)) await db.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Events written the way a service writes them: outbox row, then the relay publishes. */
async function produce(service: 'users' | 'tasks', n: number): Promise<string[]> {
  const database = connectDatabase(databases[service]!.url, {}, { max: 2 });
  const relay = startOutboxRelay({ sql: database.sql, nats, namespace, logger });
  try {
    const events = Array.from({ length: n }, (_, i) =>
      service === 'users'
        ? makeEvent({
            type: 'user.created',
            version: 1,
            producer: 'users',
            aggregateId: `00000000-0000-4000-8000-00000000000${i}`,
            data: {
              userId: `00000000-0000-4000-8000-00000000000${i}`,
              login: `popug${i}`,
              name: `Popug ${i}`,
              email: `popug${i}@ates.test`,
              role: 'WORKER',
              createdAt: new Date().toISOString(),
            },
          })
        : makeEvent({
            type: 'task.updated',
            version: 2,
            producer: 'tasks',
            aggregateId: `10000000-0000-4000-8000-00000000000${i}`,
            data: {
              taskId: `10000000-0000-4000-8000-00000000000${i}`,
              jiraId: null,
              title: `Task ${i}`,
              description: '',
              status: 'OPEN',
            },
          }),
    );
    await database.sql.begin((tx) => enqueueEvents(tx, events));
    await relay.drained();
    return events.map((e) => e.id);
  } finally {
    await relay.stop();
    await database.close();
  }
}

describe('restoring the streams after the JetStream store is lost', () => {
  it('publishes the backup’s copies into the new streams, and what followed it from the outboxes', async () => {
    const before = [...(await produce('users', 3)), ...(await produce('tasks', 2))];
    const { folder, manifest } = await takeBackup({
      root,
      databases: urls(),
      nats,
      namespace,
      now: new Date(),
    });
    expect(manifest.streamCopies.map((c) => c.messages)).toEqual([3, 2, 0]);
    // After the backup: one more user event. Lost with the store and the database both: a
    // backup's instant is the point the system can go back to.
    await produce('users', 1);

    // Not while the streams still hold their events.
    const refused = await restoreBackup({ folder, databases: urls(), migrations, nats, streams: true }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect((refused as RestoreRefused).reasons).toEqual([
      expect.stringMatching(/only when empty or gone: .*_USERS \(4 messages\)/),
    ]);

    await removeStreams(jsm, namespace);
    await restoreBackup({ folder, databases: urls(), migrations, nats, streams: true });
    expect([...(await ids('users')), ...(await ids('tasks'))]).toEqual(before);
    // The users outbox publishes again what it wrote since shortly before the backup (the
    // restored database holds the first three; the relay of a started service sends them).
    const database = connectDatabase(databases.users!.url, {}, { max: 1 });
    try {
      const [row] = await database.sql<
        { n: number }[]
      >`select count(*)::int as n from outbox where published_at is null`;
      expect(row?.n).toBe(3);
    } finally {
      await database.close();
    }
  });
});
