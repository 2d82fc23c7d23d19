import { and, eq, inArray } from 'drizzle-orm';
import { jetstream } from '@nats-io/jetstream';
import {
  enqueueEvents,
  startConsumer,
  startOutboxRelay,
  subjectFor,
  type AnyEventEnvelope,
  type ConsumerOptions,
  type ConsumerTx,
  type EventHandlers,
  type EventType,
} from '../../src/index.ts';
import { effects, logger, type EventsHarness, type TestSchema } from './harness.ts';

/** Handlers that record an effect row per committed run; `hook` may throw after the write. */
export function recordingHandlers(
  consumer: string,
  hook: (event: AnyEventEnvelope) => void = () => {},
): EventHandlers<TestSchema> {
  const record = async (event: AnyEventEnvelope, tx: ConsumerTx<TestSchema>) => {
    await tx
      .insert(effects)
      .values({ consumer, eventId: event.id, type: event.type, version: event.version });
    hook(event);
  };
  return {
    'user.created': { 1: (event, { tx }) => record(event, tx) },
    'user.role-changed': { 1: (event, { tx }) => record(event, tx) },
  };
}

export async function effectCounts(
  h: EventsHarness,
  consumer: string,
  eventIds: string[],
): Promise<Map<string, number>> {
  const rows = await h.database.db
    .select({ eventId: effects.eventId })
    .from(effects)
    .where(and(eq(effects.consumer, consumer), inArray(effects.eventId, eventIds)));
  const counts = new Map<string, number>();
  for (const { eventId } of rows) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
  return counts;
}

/** Every id applied exactly once. */
export async function expectAppliedOnce(
  h: EventsHarness,
  consumer: string,
  eventIds: string[],
): Promise<boolean> {
  const counts = await effectCounts(h, consumer, eventIds);
  return eventIds.every((id) => counts.get(id) === 1) && counts.size === eventIds.length;
}

/** Producer side as a service runs it: enqueue in a transaction, relay to JetStream, wait until sent. */
export async function publishViaOutbox(h: EventsHarness, events: AnyEventEnvelope[]): Promise<void> {
  await h.database.db.transaction((tx) => enqueueEvents(tx, events));
  const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
  await relay.drained();
  await relay.stop();
}

/** Bypasses the outbox (and its validation): what a buggy or newer producer might send. */
export async function publishRaw(h: EventsHarness, type: EventType, body: string | object, msgID?: string) {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  await jetstream(h.nats).publish(subjectFor(h.namespace, type), data, msgID ? { msgID } : {});
}

export function consumerOptions(
  h: EventsHarness,
  name: string,
  handlers: EventHandlers<TestSchema>,
  extra: Partial<ConsumerOptions<TestSchema>> = {},
): ConsumerOptions<TestSchema> {
  return {
    nats: h.nats,
    namespace: h.namespace,
    name,
    domain: 'users',
    db: h.database.db,
    handlers,
    logger,
    backoffMs: [20],
    ...extra,
  };
}

export { startConsumer };
