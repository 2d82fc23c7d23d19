import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import {
  countUnpublished,
  deletePublishedBefore,
  enqueueEvents,
  ensureStreams,
  EventValidationError,
  HEADER_TYPE,
  HEADER_VERSION,
  makeEvent,
  republishOutboxSince,
  startOutboxRelay,
  streamName,
  subjectFor,
  type AnyEventEnvelope,
} from '../src/index.ts';
import { harnessPerFile, logger, roleChanged, userCreated } from './support/harness.ts';

const h = harnessPerFile('outbox');

/** Reads every message of the namespace's USERS stream (an ordered consumer from the start). */
async function streamMessages(): Promise<JsMsg[]> {
  const stream = streamName(h.namespace, 'users');
  const { state } = await h.jsm.streams.info(stream);
  if (state.messages === 0) return [];
  const consumer = await jetstream(h.nats).consumers.get(stream);
  const out: JsMsg[] = [];
  for await (const msg of await consumer.consume()) {
    out.push(msg);
    if (msg.info.pending === 0) break;
  }
  return out;
}

async function purgeUsers() {
  await h.jsm.streams.purge(streamName(h.namespace, 'users'));
}

const ids = (msgs: JsMsg[]) => msgs.map((m) => m.json<AnyEventEnvelope>().id);

async function enqueue(events: AnyEventEnvelope[]) {
  await h.database.db.transaction((tx) => enqueueEvents(tx, events));
}

describe('transactional outbox and relay', () => {
  it('publishes nothing for a rolled-back transaction', async () => {
    await purgeUsers();
    const event = userCreated();
    await expect(
      h.database.db.transaction(async (tx) => {
        await enqueueEvents(tx, [event]);
        throw new Error('the use case failed after enqueueing');
      }),
    ).rejects.toThrow('the use case failed');
    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    await relay.stop();
    const [row] = await h.database.sql`select count(*)::int as n from outbox where id = ${event.id}`;
    expect(row?.n).toBe(0);
    expect(await streamMessages()).toHaveLength(0);
  });

  it('refuses an invalid event before writing anything, so the state change rolls back too', async () => {
    const bad = userCreated();
    (bad.data as { email: string }).email = 'not an email';
    const before = await countUnpublished(h.database.sql);
    await expect(
      h.database.db.transaction(async (tx) => {
        await tx.execute('select 1');
        await enqueueEvents(tx, [userCreated(), bad]);
      }),
    ).rejects.toThrow(EventValidationError);
    await expect(enqueue([bad])).rejects.toThrow(/email/);
    expect(await countUnpublished(h.database.sql)).toBe(before);
  });

  it('publishes committed events in order, with the event id as message id and type/version headers', async () => {
    await purgeUsers();
    const userId = randomUUID();
    const events = [
      userCreated('kesha', userId),
      roleChanged(userId, 'MANAGER', 'WORKER'),
      roleChanged(userId, 'WORKER', 'MANAGER'),
    ];
    await enqueue(events);
    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    await relay.stop();
    const msgs = await streamMessages();
    expect(ids(msgs)).toEqual(events.map((e) => e.id));
    expect(msgs[0]?.subject).toBe(subjectFor(h.namespace, 'user.created'));
    expect(msgs[0]?.headers?.get('Nats-Msg-Id')).toBe(events[0]?.id);
    expect(msgs[1]?.headers?.get(HEADER_TYPE)).toBe('user.role-changed');
    expect(msgs[1]?.headers?.get(HEADER_VERSION)).toBe('1');
  });

  it('accepts a postgres.js transaction as well as a drizzle one', async () => {
    await purgeUsers();
    const events = [userCreated(), userCreated()];
    await h.database.sql.begin((tx) => enqueueEvents(tx, events));
    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    await relay.stop();
    expect(ids(await streamMessages())).toEqual(events.map((e) => e.id));
  });

  it('a relay killed after publishing but before marking: the next relay republishes and the stream drops the duplicates', async () => {
    await purgeUsers();
    const events = Array.from({ length: 20 }, () => userCreated());
    await enqueue(events);
    let crashed!: () => void;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    const doomed = startOutboxRelay({
      sql: h.database.sql,
      nats: h.nats,
      namespace: h.namespace,
      logger,
      minBackoffMs: 60_000,
      afterPublish: () => {
        crashed();
        throw new Error('killed between publish and mark');
      },
    });
    await crash;
    await doomed.stop();
    expect(await countUnpublished(h.database.sql)).toBe(events.length);

    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    await relay.stop();
    expect(relay.stats().duplicates).toBe(events.length);
    expect(ids(await streamMessages())).toEqual(events.map((e) => e.id));
  });

  it('several relays on one outbox publish every event once, in order', async () => {
    await purgeUsers();
    const relays = [1, 2, 3].map(() =>
      startOutboxRelay({
        sql: h.database.sql,
        nats: h.nats,
        namespace: h.namespace,
        logger,
        batchSize: 7,
        pollIntervalMs: 20,
      }),
    );
    const events: AnyEventEnvelope[] = [];
    for (let i = 0; i < 10; i += 1) {
      const batch = Array.from({ length: 10 }, () => userCreated());
      events.push(...batch);
      await enqueue(batch);
    }
    await relays[0]?.drained();
    await Promise.all(relays.map((r) => r.stop()));
    expect(ids(await streamMessages())).toEqual(events.map((e) => e.id));
  });

  it('republishes retained events since a point in time, and deletes them after the retention', async () => {
    await purgeUsers();
    const old = userCreated();
    await enqueue([old]);
    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    // The stream lost its data (say, an OS crash before the file store synced), and with it the
    // message ids it had seen; a purge would keep them, so the stream is recreated.
    await h.jsm.streams.delete(streamName(h.namespace, 'users'));
    await ensureStreams(h.jsm, h.namespace);
    const since = new Date(Date.now() - 60_000);
    expect(await republishOutboxSince(h.database.sql, since)).toBeGreaterThanOrEqual(1);
    await relay.drained();
    await relay.stop();
    expect(ids(await streamMessages())).toContain(old.id);
    expect(await deletePublishedBefore(h.database.sql, new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(
      1,
    );
    const [left] = await h.database.sql`select count(*)::int as n from outbox`;
    expect(left?.n).toBe(0);
  });

  it('gives up publishes left without a leader as soon as a stream elects one, not at their timeout', async () => {
    // A stream whose leader died: publishes reach something that never answers. Here the USERS
    // stream is gone and a plain subscriber swallows its subjects, so no "no responders" comes.
    const stream = streamName(h.namespace, 'users');
    await h.jsm.streams.delete(stream);
    let swallowed = 0;
    const swallower = h.nats.subscribe(`${h.namespace}.users.>`, {
      callback: () => {
        swallowed += 1;
      },
    });
    const relay = startOutboxRelay({
      sql: h.database.sql,
      nats: h.nats,
      namespace: h.namespace,
      logger,
      publishTimeoutMs: 60_000,
    });
    try {
      const events = [userCreated(), userCreated(), userCreated()];
      await enqueue(events);
      while (swallowed < events.length) await new Promise((r) => setTimeout(r, 20));
      // Unanswered for longer than an ack takes (a real election comes seconds after the loss).
      await new Promise((r) => setTimeout(r, 500));
      // The stream is back under a new leader, which announces itself.
      await ensureStreams(h.jsm, h.namespace);
      h.nats.publish(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${stream}`, '{}');
      // Far inside the publish timeout: the step was given up and run again.
      await relay.drained({ timeoutMs: 10_000 });
      expect(ids(await streamMessages())).toEqual(events.map((e) => e.id));
    } finally {
      swallower.unsubscribe();
      await relay.stop();
    }
  });

  it('types makeEvent by (type, version)', () => {
    const event = makeEvent({
      type: 'task.created',
      version: 2,
      producer: 'tasks',
      data: {
        taskId: randomUUID(),
        jiraId: 'POPUG-1',
        title: 'Feed the parrots',
        description: null,
        createdBy: randomUUID(),
        createdAt: new Date().toISOString(),
      },
    });
    expect(event.data.jiraId).toBe('POPUG-1');
    // @ts-expect-error v1 has no jiraId
    makeEvent({ type: 'task.created', version: 1, producer: 't', data: { jiraId: 'x' } });
  });
});
