import type { JsMsg } from '@nats-io/jetstream';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Logger } from '@ates/service-kit';
import { recordDeadLetter } from '../dead-letters/record.ts';
import type { AnyEventEnvelope } from '../envelope.ts';
import type { RawEnvelope } from '../registry/registry.ts';
import { inbox } from '../tables.ts';
import { errorMessage } from '../util/backoff.ts';
import { isTransientDbError } from '../util/transient.ts';
import { decide, type DecideContext, type LooseHandler } from './decide.ts';
import type { Delivery } from './handlers.ts';

export interface ProcessorOptions<TSchema extends Record<string, unknown>> {
  consumer: string;
  stream: string;
  db: PostgresJsDatabase<TSchema>;
  logger: Logger;
  decide: DecideContext<TSchema>;
  maxDeliver: number;
  backoffMs: number[];
  unknownVersionDelayMs: number;
  unknownVersionMaxDeliver: number;
}

function headersOf(msg: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of msg.headers ?? []) out[name] = values.join(', ');
  return out;
}

/** Handles one message to its end: ack, nak with a delay, or dead letter + term. Never throws. */
export function createMessageProcessor<TSchema extends Record<string, unknown>>(
  options: ProcessorOptions<TSchema>,
) {
  const { db, logger } = options;
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
    logger.error({ streamSeq: delivery.streamSeq, eventId: envelope?.id, reason }, 'event dead-lettered');
  }

  /** Inbox row and effect in one transaction: a redelivered event finds its row and is skipped. */
  async function applyOnce(
    envelope: AnyEventEnvelope,
    received: RawEnvelope,
    handler: LooseHandler<TSchema>,
    delivery: Delivery,
  ) {
    return db.transaction(async (tx) => {
      const inserted = await tx
        .insert(inbox)
        .values({
          consumer: options.consumer,
          eventId: received.id,
          type: received.type,
          version: received.version,
          streamSeq: delivery.streamSeq,
        })
        .onConflictDoNothing()
        .returning({ eventId: inbox.eventId });
      if (inserted.length === 0) return 'duplicate' as const;
      await handler(envelope, { tx, logger, delivery });
      return 'applied' as const;
    });
  }

  return async function processMessage(msg: JsMsg): Promise<void> {
    const delivery: Delivery = {
      consumer: options.consumer,
      stream: options.stream,
      subject: msg.subject,
      streamSeq: msg.seq,
      attempt: msg.info.deliveryCount,
    };
    const decision = decide(msg.string(), options.decide);
    switch (decision.kind) {
      case 'ignore':
        msg.ack();
        return;
      case 'dead':
        return deadLetter(msg, delivery, decision.reason, decision.received);
      case 'wait':
        if (delivery.attempt >= options.unknownVersionMaxDeliver) {
          return deadLetter(
            msg,
            delivery,
            `${decision.reason} (after ${delivery.attempt} deliveries)`,
            decision.received,
          );
        }
        msg.nak(options.unknownVersionDelayMs);
        return;
      case 'handle':
        try {
          const outcome = await applyOnce(decision.envelope, decision.received, decision.handler, delivery);
          msg.ack();
          if (outcome === 'duplicate')
            logger.debug({ eventId: decision.received.id }, 'duplicate event skipped');
        } catch (error) {
          const reason = errorMessage(error);
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
    }
  };
}
