import type { JsMsg } from '@nats-io/jetstream';
import { sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import {
  contextFrom,
  inSpan,
  jsonParam,
  linkFrom,
  type Logger,
  SpanKind,
  withTrace,
} from '@ates/service-kit';
import { recordDeadLetter } from '../dead-letters/record.ts';
import type { RawEnvelope } from '../registry/registry.ts';
import { inbox } from '../tables.ts';
import { errorMessage } from '../util/backoff.ts';
import { isTransientDbError } from '../util/transient.ts';
import { ackTogether } from './ack-together.ts';
import { decide, type DecideContext, type Decision } from './decide.ts';
import type { BatchHandler, Delivery } from './handlers.ts';

export interface ProcessorOptions<TSchema extends Record<string, unknown>> {
  consumer: string;
  stream: string;
  db: PostgresJsDatabase<TSchema>;
  logger: Logger;
  decide: DecideContext<TSchema>;
  /** Applies a batch's fresh events in one call (see BatchHandler); per event when absent. */
  batchHandler?: BatchHandler<TSchema>;
  maxDeliver: number;
  backoffMs: number[];
  unknownVersionDelayMs: number;
  unknownVersionMaxDeliver: number;
}

type Handle<TSchema extends Record<string, unknown>> = Extract<Decision<TSchema>, { kind: 'handle' }>;
/** A message whose event is to be applied: decided (validated, upcast) but not yet applied. */
export interface PreparedEvent<TSchema extends Record<string, unknown>> {
  msg: JsMsg;
  delivery: Delivery;
  decision: Handle<TSchema>;
  failure?: unknown;
}

function headersOf(msg: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of msg.headers ?? []) out[name] = values.join(', ');
  return out;
}

const deliveryOf = (msg: JsMsg, consumer: string, stream: string): Delivery => ({
  consumer,
  stream,
  subject: msg.subject,
  streamSeq: msg.seq,
  attempt: msg.info.deliveryCount,
});

/**
 * Runs `work` in the trace of handling `event`: its correlation id (an event without one starts
 * a chain of its own) and the event itself as the cause. Log lines written meanwhile carry both,
 * and events the handler produces take them as their correlation and causation ids.
 */
function traced<T>(event: RawEnvelope | undefined, work: () => T): T {
  if (!event) return work();
  return withTrace({ correlationId: event.correlationId ?? event.id, causationId: event.id }, work);
}

const traceparentOf = (msg: JsMsg) => msg.headers?.get('traceparent') || undefined;

/**
 * Runs `work` (applying one message's event, or a batch's) in a consumer span continuing the
 * trace the message carries (its publisher's, stored with the outbox row), so one trace runs
 * from the request through the relay to every consumer. Messages of other traces in the batch
 * are linked. Untraced messages (tracing off, old events) run as they are.
 */
function consumed<T>(consumer: string, msgs: JsMsg[], work: () => Promise<T>): Promise<T> {
  const traced = msgs.filter((msg) => traceparentOf(msg) !== undefined);
  const [first, ...others] = traced;
  if (!first) return work();
  const links = others.flatMap((msg) => linkFrom(msg.headers!) ?? []);
  return inSpan(
    msgs.length === 1 ? `${consumer} process ${first.subject}` : `${consumer} process ${msgs.length} events`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFrom(first.headers),
      links,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.batch.message_count': msgs.length,
      },
    },
    work,
  );
}

/**
 * Applies a batch of messages: each event's inbox row and effect commit together, the batch
 * commits once (if a handler fails, the batch is redone with a savepoint per event, so the
 * failure does not undo the others), and only then are the messages acked. Handlers may run
 * more than once before a commit, so they must only write through `ctx.tx`. Every message ends acked, nakked with a delay, or
 * dead-lettered and terminated. Never throws. `processBatch` does it all; a consumer with lanes
 * prepares each message as it arrives (so a lane key can be read from the event) and applies
 * each lane's batch with `applyBatch`.
 */
export function createBatchProcessor<TSchema extends Record<string, unknown>>(
  options: ProcessorOptions<TSchema>,
) {
  const { db, logger } = options;
  const ackIgnored = ackTogether();
  const delayAfter = (attempt: number) =>
    options.backoffMs[Math.min(attempt, options.backoffMs.length) - 1] ?? options.backoffMs.at(-1) ?? 1000;

  async function deadLetter(msg: JsMsg, delivery: Delivery, reason: string, envelope?: RawEnvelope) {
    try {
      await recordDeadLetter(db, {
        consumer: options.consumer,
        stream: options.stream,
        streamSeq: delivery.streamSeq,
        subject: msg.subject,
        payload: msg.string(),
        headers: headersOf(msg),
        reason,
        attempts: delivery.attempt,
        envelope,
      });
    } catch (error) {
      // Not recorded means not dropped: the message comes back and we try again.
      logger.warn(
        { err: errorMessage(error), streamSeq: delivery.streamSeq },
        'could not record dead letter',
      );
      msg.nak(delayAfter(delivery.attempt));
      return;
    }
    // nats-server 2.9 ignores term(reason); the reason lives in the dead-letter row.
    msg.term();
    traced(envelope, () =>
      logger.error({ streamSeq: delivery.streamSeq, eventId: envelope?.id, reason }, 'event dead-lettered'),
    );
  }

  /** A failed handler: retry with backoff, or dead-letter once out of deliveries. */
  function failed(item: PreparedEvent<TSchema>, error: unknown) {
    return traced(item.decision.received, () => retryOrBury(item, error));
  }

  async function retryOrBury(item: PreparedEvent<TSchema>, error: unknown) {
    const reason = errorMessage(error);
    const { msg, delivery, decision } = item;
    if (isTransientDbError(error)) {
      logger.warn({ err: reason, eventId: decision.received.id }, 'database unavailable; will retry');
      msg.nak(delayAfter(delivery.attempt));
    } else if (delivery.attempt >= options.maxDeliver) {
      const why = `handler failed on delivery ${delivery.attempt} of ${options.maxDeliver}: ${reason}`;
      await deadLetter(msg, delivery, why, decision.received);
    } else {
      logger.warn(
        { err: reason, eventId: decision.received.id, attempt: delivery.attempt },
        'handler failed; will retry',
      );
      msg.nak(delayAfter(delivery.attempt));
    }
  }

  async function apply(
    handler: Handle<TSchema>['handler'],
    envelope: Handle<TSchema>['envelope'],
    tx: Parameters<Handle<TSchema>['handler']>[1]['tx'],
    item: PreparedEvent<TSchema>,
  ) {
    await handler(envelope, { tx, logger, delivery: item.delivery });
    handledLine(item);
  }

  function handledLine({ decision: { envelope }, delivery }: PreparedEvent<TSchema>) {
    logger.debug(
      { type: envelope.type, version: envelope.version, attempt: delivery.attempt },
      'event handled',
    );
  }

  const inboxRow = (item: PreparedEvent<TSchema>) => ({
    consumer: options.consumer,
    eventId: item.decision.received.id,
    type: item.decision.received.type,
    version: item.decision.received.version,
    streamSeq: item.delivery.streamSeq,
  });

  /**
   * The common case, in few round trips: one insert of every inbox row, then the handlers of
   * the events not applied before, all in one transaction. Any failure rolls it all back.
   */
  async function applyTogether(items: PreparedEvent<TSchema>[]) {
    await db.transaction(async (tx) => {
      // One statement with one parameter, however many rows (a builder's multi-row VALUES
      // costs more Node CPU than the insert costs Postgres).
      // Rows as JSON arrays, not objects: no key names to build, send and look up.
      const rows = items.map((item) => [
        item.decision.received.id,
        item.decision.received.type,
        item.decision.received.version,
        item.delivery.streamSeq,
      ]);
      const inserted = await tx.execute<{ event_id: string }>(sql`
        insert into ${inbox} (consumer, event_id, type, version, stream_seq)
        select ${options.consumer}, (r->>0)::uuid, r->>1, (r->>2)::int, (r->>3)::bigint
        from jsonb_array_elements(${jsonParam(rows)}) as e(r)
        on conflict do nothing
        returning event_id`);
      // Already applied events (redeliveries, republishes, or twice in this batch) are skipped.
      const fresh = new Set(Array.from(inserted, (r) => r.event_id));
      const todo = items.filter((item) => fresh.delete(item.decision.received.id));
      if (options.batchHandler && todo.length > 1) {
        await consumed(
          options.consumer,
          todo.map((item) => item.msg),
          () =>
            options.batchHandler!(
              todo.map((item) => item.decision.envelope),
              { tx, logger },
            ),
        );
        // One line per event, as the one-by-one path writes, so each event's id and cause can be traced.
        if (logger.isLevelEnabled('debug'))
          for (const item of todo) traced(item.decision.received, () => handledLine(item));
        return;
      }
      for (const item of todo) {
        const { envelope, received, handler } = item.decision;
        await traced(received, () =>
          consumed(options.consumer, [item.msg], () => apply(handler, envelope, tx, item)),
        );
      }
    });
  }

  /** After a failure: each event in its own savepoint, so one failing handler does not undo the others. */
  async function applyOneByOne(items: PreparedEvent<TSchema>[]) {
    await db.transaction(async (tx) => {
      for (const item of items) {
        const { envelope, handler } = item.decision;
        try {
          await tx.transaction(async (sp) => {
            const inserted = await sp
              .insert(inbox)
              .values(inboxRow(item))
              .onConflictDoNothing()
              .returning({ eventId: inbox.eventId });
            if (inserted.length > 0)
              await traced(item.decision.received, () =>
                consumed(options.consumer, [item.msg], () => apply(handler, envelope, sp, item)),
              );
          });
        } catch (error) {
          // The connection is gone: the whole batch is retried.
          if (isTransientDbError(error)) throw error;
          item.failure = error;
        }
      }
    });
  }

  async function applyAll(items: PreparedEvent<TSchema>[]) {
    try {
      await applyTogether(items);
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      // Alone in its batch, the event would only run its handler a second time (a handler
      // with an outside effect, like sending an email, would repeat it): it simply failed.
      const [only, ...others] = items;
      if (only && others.length === 0) only.failure = error;
      else await applyOneByOne(items);
    }
  }

  /**
   * Decides what to do with one message: an event to apply is returned (as an item for
   * `applyBatch`); any other message is settled at once (acked if ignored, nakked if its version
   * is not known yet, dead-lettered if it never will be).
   */
  async function prepare(msg: JsMsg): Promise<PreparedEvent<TSchema> | undefined> {
    const delivery = deliveryOf(msg, options.consumer, options.stream);
    const decision = decide(msg.string(), options.decide);
    if (decision.kind === 'handle') return { msg, delivery, decision };
    if (decision.kind === 'ignore') ackIgnored(msg);
    else if (decision.kind === 'dead') await deadLetter(msg, delivery, decision.reason, decision.received);
    else if (delivery.attempt >= options.unknownVersionMaxDeliver) {
      await deadLetter(
        msg,
        delivery,
        `${decision.reason} (after ${delivery.attempt} deliveries)`,
        decision.received,
      );
    } else msg.nak(options.unknownVersionDelayMs);
    return undefined;
  }

  /** Applies prepared events together (see applyAll), then acks, retries or buries each. */
  async function applyBatch(items: PreparedEvent<TSchema>[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await applyAll(items);
    } catch (error) {
      // Nothing of the batch committed: each message is retried (or, if out of deliveries and
      // not an outage, dead-lettered with the commit's error).
      for (const item of items) await failed(item, error);
      return;
    }
    for (const item of items) {
      if (item.failure === undefined) item.msg.ack();
      else await failed(item, item.failure);
    }
  }

  return {
    prepare,
    applyBatch,
    /** `prepare` of every message, then `applyBatch` of the events among them. */
    async processBatch(msgs: JsMsg[]): Promise<void> {
      const items: PreparedEvent<TSchema>[] = [];
      for (const msg of msgs) {
        const item = await prepare(msg);
        if (item) items.push(item);
      }
      await applyBatch(items);
    },
  };
}
