import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { epochMs, MAX_ACCESS_TOKEN_TTL_SECONDS, type Logger, type TokenRevocation } from '@ates/service-kit';
import { subjectFor } from '../envelope.ts';
import { getRegistry } from '../registry/registry.ts';
import { streamName } from '../subjects.ts';
import { Backoff, errorMessage } from '../util/backoff.ts';

/** Whatever verifies tokens: service-kit's TokenVerifier. */
export interface RevocationSink {
  revoke(revocation: TokenRevocation): void;
}

export interface FollowTokenRevocationsOptions {
  nats: NatsConnection;
  namespace?: string | undefined;
  sink: RevocationSink;
  logger: Logger;
}

export interface TokenRevocationFeed {
  /** Resolves once the feed reads the stream (the revocations of the last minutes replayed). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** How far back a starting process reads: every access token older than that has expired. */
const LOOKBACK_MS = MAX_ACCESS_TOKEN_TTL_SECONDS * 1000 + 60_000;

/**
 * Feeds `user.tokens-revoked` events to a token verifier. Each process reads them itself with
 * an ordered (ephemeral, no state on the server) consumer that starts ~16 minutes back, so a
 * process started after a revocation still knows of it, and NATS redelivers across
 * reconnects. An event that fails its schema is logged and skipped: it revokes nothing, and
 * the users service's own consumers dead-letter such events.
 */
export function followTokenRevocations(options: FollowTokenRevocationsOptions): TokenRevocationFeed {
  const { nats, namespace, sink, logger } = options;
  const registry = getRegistry();
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const apply = (data: Uint8Array) => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(data));
    } catch {
      logger.warn('token revocation feed: unreadable message skipped');
      return;
    }
    const checked = registry.check(value);
    if (!checked.ok || checked.envelope.type !== 'user.tokens-revoked') {
      logger.warn({ problems: checked.ok ? 'wrong type' : checked.problems }, 'token revocation skipped');
      return;
    }
    const event = checked.envelope.data as { userId: string; generation: number; revokedAt: string };
    sink.revoke({ userId: event.userId, generation: event.generation, at: new Date(event.revokedAt) });
  };

  const run = async () => {
    const backoff = new Backoff(200, 5000);
    while (!stopped) {
      try {
        // The stream may not exist yet (the users service creates it): retried until it does.
        const consumer = await jetstream(nats).consumers.get(streamName(namespace, 'users'), {
          filter_subjects: subjectFor(namespace, 'user.tokens-revoked'),
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(epochMs() - LOOKBACK_MS).toISOString(),
        });
        messages = await consumer.consume({ max_messages: 100 });
        if (stopped) break;
        markReady();
        backoff.reset();
        for await (const message of messages) apply(message.data);
      } catch (error) {
        if (stopped) break;
        logger.warn({ err: errorMessage(error) }, 'token revocation feed interrupted; retrying');
        await sleep(backoff.next());
      }
    }
  };
  const done = run();
  return {
    ready,
    stop: async () => {
      stopped = true;
      await messages?.close();
      markReady();
      await done;
    },
  };
}
