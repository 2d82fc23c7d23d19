import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import {
  deadLetters,
  inbox,
  listDeadLetters,
  makeEvent,
  replayDeadLetter,
  resetConsumer,
  streamName,
  type AnyEventEnvelope,
} from '../src/index.ts';
import {
  consumerOptions,
  effectCounts,
  expectAppliedOnce,
  publishRaw,
  publishViaOutbox,
  recordingHandlers,
  startConsumer,
} from './support/consumers.ts';
import { harnessPerFile, effects, userCreated } from './support/harness.ts';

const h = harnessPerFile('consumer');
beforeEach(async () => {
  // Each test starts a new consumer on an empty stream: it sees only its own events.
  await h.jsm.streams.purge(streamName(h.namespace, 'users'));
});

const idsOf = (events: AnyEventEnvelope[]) => events.map((e) => e.id);

describe('idempotent consumers', () => {
  it('applies an event exactly once when the handler crashes mid-way and the event is redelivered', async () => {
    const events = Array.from({ length: 10 }, () => userCreated());
    const crashOnce = new Set(idsOf(events.slice(2, 5)));
    const consumer = await startConsumer(
      consumerOptions(
        h,
        'crashing',
        recordingHandlers('crashing', (event) => {
          if (crashOnce.delete(event.id)) throw new Error('crashed after writing the effect');
        }),
      ),
    );
    await publishViaOutbox(h, events);
    await consumer.caughtUp();
    await consumer.stop();
    expect(crashOnce.size).toBe(0);
    expect(await expectAppliedOnce(h, 'crashing', idsOf(events))).toBe(true);
  });

  it('skips a repeat of an applied event (a republish beyond the duplicate window, or an ack lost after commit)', async () => {
    const event = userCreated();
    await publishViaOutbox(h, [event]);
    await publishRaw(h, 'user.created', event);
    await publishRaw(h, 'user.created', event, randomUUID());
    const consumer = await startConsumer(consumerOptions(h, 'dedup', recordingHandlers('dedup')));
    await consumer.caughtUp();
    await consumer.stop();
    expect((await effectCounts(h, 'dedup', [event.id])).get(event.id)).toBe(1);
  });

  it('dead-letters a poison event after max deliveries with the reason and the consumer, and the events behind it flow', async () => {
    const poison = userCreated('poison');
    const behind = Array.from({ length: 5 }, () => userCreated());
    const handlers = recordingHandlers('poisoned', (event) => {
      if (event.id === poison.id) throw new Error('cannot digest this popug');
    });
    const consumer = await startConsumer(consumerOptions(h, 'poisoned', handlers, { maxDeliver: 3 }));
    await publishViaOutbox(h, [poison, ...behind]);
    await consumer.caughtUp();
    await consumer.stop();
    expect(await expectAppliedOnce(h, 'poisoned', idsOf(behind))).toBe(true);
    expect((await effectCounts(h, 'poisoned', [poison.id])).size).toBe(0);
    const [dead] = await listDeadLetters(h.database.db, { consumer: 'poisoned' });
    expect(dead).toMatchObject({
      consumer: 'poisoned',
      eventId: poison.id,
      type: 'user.created',
      version: 1,
      attempts: 3,
      status: 'dead',
      stream: streamName(h.namespace, 'users'),
    });
    expect(dead?.reason).toBe('handler failed on delivery 3 of 3: cannot digest this popug');
    expect(JSON.parse(dead?.payload ?? '')).toMatchObject({ id: poison.id });
  });

  it('dead-letters at once an event that fails its schema or is not JSON, never dropping it silently', async () => {
    const invalid = userCreated();
    (invalid.data as { role: string }).role = 'PIRATE';
    const fine = userCreated();
    await publishRaw(h, 'user.created', invalid);
    await publishRaw(h, 'user.created', '{ not json');
    await publishViaOutbox(h, [fine]);
    const consumer = await startConsumer(consumerOptions(h, 'validating', recordingHandlers('validating')));
    await consumer.caughtUp();
    await consumer.stop();
    expect(await expectAppliedOnce(h, 'validating', [fine.id])).toBe(true);
    const dead = await listDeadLetters(h.database.db, { consumer: 'validating' });
    expect(dead.map((d) => [d.attempts, d.reason.split(':')[0]])).toEqual([
      [1, 'not JSON'],
      [1, 'schema violation'],
    ]);
    expect(dead[1]?.reason).toMatch(/role/);
    expect(dead[0]?.payload).toBe('{ not json');
  });

  it('holds back an unknown newer version (nak with a delay) and dead-letters it only after max deliveries', async () => {
    const future = { ...userCreated(), version: 9 };
    await publishRaw(h, 'user.created', future);
    const consumer = await startConsumer(
      consumerOptions(h, 'old-code', recordingHandlers('old-code'), {
        unknownVersionDelayMs: 30,
        unknownVersionMaxDeliver: 3,
      }),
    );
    await consumer.caughtUp();
    await consumer.stop();
    const [dead] = await listDeadLetters(h.database.db, { consumer: 'old-code' });
    expect(dead?.attempts).toBe(3);
    expect(dead?.reason).toMatch(
      /^unknown newer version: no schema for user.created v9 .*after 3 deliveries/,
    );
  });

  it('replays a dead letter after the fix, applying it once', async () => {
    let broken = true;
    const event = userCreated();
    const handlers = recordingHandlers('fixable', () => {
      if (broken) throw new Error('bug in the handler');
    });
    const consumer = await startConsumer(consumerOptions(h, 'fixable', handlers, { maxDeliver: 2 }));
    await publishViaOutbox(h, [event]);
    await consumer.caughtUp();
    const [dead] = await listDeadLetters(h.database.db, { consumer: 'fixable', status: 'dead' });
    expect(dead?.eventId).toBe(event.id);

    broken = false; // the fix is deployed
    await replayDeadLetter(h.database.db, h.nats, dead?.id ?? 0);
    await consumer.caughtUp();
    await consumer.stop();
    expect(await expectAppliedOnce(h, 'fixable', [event.id])).toBe(true);
    const [after] = await h.database.db
      .select()
      .from(deadLetters)
      .where(eq(deadLetters.id, dead?.id ?? 0));
    expect(after?.status).toBe('replayed');
    await expect(replayDeadLetter(h.database.db, h.nats, dead?.id ?? 0)).rejects.toThrow(
      /replayed, not dead/,
    );
  });

  it('ignores event types it has no handler for', async () => {
    const created = userCreated();
    const onlyRoles = { 'user.role-changed': recordingHandlers('roles-only')['user.role-changed'] };
    await publishViaOutbox(h, [created]);
    const consumer = await startConsumer(consumerOptions(h, 'roles-only', onlyRoles));
    await consumer.caughtUp();
    await consumer.stop();
    expect((await effectCounts(h, 'roles-only', [created.id])).size).toBe(0);
    expect(await listDeadLetters(h.database.db, { consumer: 'roles-only' })).toEqual([]);
  });

  it('rebuilds from the start of the stream after a reset', async () => {
    const events = Array.from({ length: 5 }, () => userCreated());
    await publishViaOutbox(h, events);
    const options = consumerOptions(h, 'rebuilt', recordingHandlers('rebuilt'));
    const first = await startConsumer(options);
    await first.caughtUp();
    await first.stop();
    // The service drops its read model, then resets its consumer (and inbox) to rebuild it.
    await h.database.db.delete(effects).where(eq(effects.consumer, 'rebuilt'));
    await resetConsumer(h.jsm, { stream: first.stream, name: 'rebuilt', sql: h.database.sql });
    expect(await h.database.db.select().from(inbox).where(eq(inbox.consumer, 'rebuilt'))).toEqual([]);
    const second = await startConsumer(options);
    await second.caughtUp();
    await second.stop();
    expect(await expectAppliedOnce(h, 'rebuilt', idsOf(events))).toBe(true);
  });

  it('stop() waits for the handler in flight, which commits and acks', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const event = userCreated();
    const consumer = await startConsumer(
      consumerOptions(h, 'draining', {
        'user.created': {
          1: async (e, ctx) => {
            entered();
            await gate;
            await recordingHandlers('draining')['user.created']?.[1]?.(e, ctx);
          },
        },
      }),
    );
    await publishViaOutbox(h, [event]);
    await inHandler;
    const stopped = consumer.stop();
    release();
    await stopped;
    expect(await expectAppliedOnce(h, 'draining', [event.id])).toBe(true);
    const info = await h.jsm.consumers.info(consumer.stream, 'draining');
    expect(info.num_ack_pending + info.num_pending).toBe(0);
  });

  it('keeps per-aggregate order while applying different aggregates in parallel', async () => {
    const users = Array.from({ length: 8 }, () => randomUUID());
    const events = users.flatMap((id) => [
      userCreated(`p-${id.slice(0, 6)}`, id),
      makeEvent({
        type: 'user.role-changed',
        version: 1,
        producer: 'users',
        aggregateId: id,
        data: { userId: id, role: 'MANAGER', previousRole: 'WORKER' },
      }),
      makeEvent({
        type: 'user.role-changed',
        version: 1,
        producer: 'users',
        aggregateId: id,
        data: { userId: id, role: 'WORKER', previousRole: 'MANAGER' },
      }),
    ]);
    const seen = new Map<string, string[]>();
    const consumer = await startConsumer(
      consumerOptions(
        h,
        'parallel',
        recordingHandlers('parallel', (e) => {
          const key = e.aggregateId ?? '';
          seen.set(key, [...(seen.get(key) ?? []), e.id]);
        }),
        { concurrency: 4 },
      ),
    );
    await publishViaOutbox(h, events);
    await consumer.caughtUp();
    await consumer.stop();
    for (const id of users) expect(seen.get(id)).toEqual(idsOf(events.filter((e) => e.aggregateId === id)));
  });
  it('applies the events of one lane key (read from the event) one batch at a time, in order', async () => {
    const users = Array.from({ length: 6 }, () => randomUUID());
    // Each event with an aggregate id of its own: only the lane key keeps a user's events together.
    const events = users.flatMap((userId) =>
      Array.from({ length: 6 }, (_, i) =>
        makeEvent({
          type: 'user.role-changed',
          version: 1,
          producer: 'users',
          aggregateId: randomUUID(),
          data: { userId, role: i % 2 ? 'WORKER' : 'MANAGER', previousRole: i % 2 ? 'MANAGER' : 'WORKER' },
        }),
      ),
    );
    const seen = new Map<string, string[]>();
    const inFlight = new Map<string, number>();
    let overlaps = 0;
    const record = recordingHandlers('laned');
    const userOf = (e: AnyEventEnvelope) => (e.type === 'user.role-changed' ? e.data.userId : e.id);
    const consumer = await startConsumer(
      consumerOptions(
        h,
        'laned',
        {
          'user.role-changed': {
            1: async (e, ctx) => {
              const key = e.data.userId;
              inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
              if (inFlight.get(key)! > 1) overlaps += 1;
              // Long enough for another lane to start the same user's next event, were it allowed to.
              await new Promise((resolve) => setTimeout(resolve, 5));
              await record['user.role-changed']?.[1]?.(e, ctx);
              seen.set(key, [...(seen.get(key) ?? []), e.id]);
              inFlight.set(key, inFlight.get(key)! - 1);
            },
          },
        },
        { concurrency: 4, maxBatch: 2, laneKey: userOf },
      ),
    );
    await publishViaOutbox(h, events);
    await consumer.caughtUp();
    await consumer.stop();
    expect(overlaps).toBe(0);
    for (const userId of users)
      expect(seen.get(userId)).toEqual(idsOf(events.filter((e) => userOf(e) === userId)));
  });
});
