import { epochMs } from '@ates/service-kit';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Logger } from '@ates/service-kit';
import type { AnyEventEnvelope } from '../envelope.ts';
import { HEADER_AGGREGATE } from '../headers.ts';
import { getRegistry, type EventRegistry } from '../registry/registry.ts';
import { streamName, withNamespace, type Domain } from '../subjects.ts';
import { standardUpcasters } from '../upcasters/tasks.ts';
import { Backoff, errorMessage } from '../util/backoff.ts';
import { Pulse } from '../util/pulse.ts';
import { ensureDurable } from './ensure-consumer.ts';
import type { BatchHandler, EventHandlers, Upcasters } from './handlers.ts';
import { Lanes } from './lanes.ts';
import { createBatchProcessor, type PreparedEvent } from './process-batch.ts';

export interface ConsumerOptions<TSchema extends Record<string, unknown>> {
  nats: NatsConnection;
  namespace?: string;
  /** Durable consumer name; also the inbox and dead-letter key. One per reaction group. */
  name: string;
  /** The stream to read: the producing domain. */
  domain: Domain;
  /** Subject filter without the namespace; default `<domain>.>`. One wildcard (nats-server 2.9). */
  filterSubject?: string;
  db: PostgresJsDatabase<TSchema>;
  handlers: EventHandlers<TSchema>;
  /** Applies a batch's fresh events in one call (set-based writes); `handlers` alone when absent. */
  batchHandler?: BatchHandler<TSchema>;
  /** Default: the package's standard upcasters (task.created v1 → v2). */
  upcasters?: Upcasters;
  logger: Logger;
  registry?: EventRegistry;
  /** Deliveries before a failing handler's event is dead-lettered. Default 5. */
  maxDeliver?: number;
  /** Redelivery after a crash (no ack). Default 30 s. */
  ackWaitMs?: number;
  /** Nak delays after failed attempts 1, 2, ... (the last repeats). */
  backoffMs?: number[];
  /** Nak delay for a version newer than this consumer knows. Default 60 s. */
  unknownVersionDelayMs?: number;
  /** Deliveries of an unknown newer version before it is dead-lettered. Default `maxDeliver`. */
  unknownVersionMaxDeliver?: number;
  /** Lanes applying events in parallel (events of one lane key share a lane). Default 1. */
  concurrency?: number;
  /**
   * The lane of an event (with `concurrency` > 1): events with one key are applied in arrival
   * order, one batch at a time. Default: the aggregate id (the `${HEADER_AGGREGATE}` header).
   */
  laneKey?: (event: AnyEventEnvelope) => string;
  /** Most events a lane applies in one transaction (in `batchWeight` units). Default 50. */
  maxBatch?: number;
  /** What one event counts against `maxBatch` (a batch event: its items). Default 1. */
  batchWeight?: (event: AnyEventEnvelope) => number;
  /** Messages pulled ahead. Default 100. */
  prefetch?: number;
  /**
   * How long one pull request waits on the server (`expires`) and how often the server
   * proves it is alive meanwhile (`idle_heartbeat`). Two missed heartbeats (a NATS node died
   * with our pull request on it) make the client pull again at once, so a consumer delivers
   * again within ~2 heartbeats of its new leader's election. Defaults 5 s and 500 ms.
   */
  pullExpiresMs?: number;
  idleHeartbeatMs?: number;
  /** The clock of `lastDeliveryAt` (tests). Default the system clock. */
  now?: () => number;
}

export interface RunningConsumer {
  readonly name: string;
  readonly stream: string;
  /** Stops pulling, returns unstarted messages to the server, and waits for handlers in flight. */
  stop(): Promise<void>;
  /** Resolves when the server has nothing pending for this consumer and nothing is in flight. */
  caughtUp(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * What the server holds for this durable consumer (shared by every replica): messages not yet
   * delivered (`pending`) and delivered but not acknowledged (`ackPending`).
   */
  lag(): Promise<{ pending: number; ackPending: number }>;
  /**
   * When this process last received a message of this consumer (or started, before the first):
   * with messages pending, a growing age is a stalled consumer.
   */
  lastDeliveryAt(): number;
}

/** Starts a durable pull consumer applying each event exactly once (inbox) until `stop()`. */
export async function startConsumer<TSchema extends Record<string, unknown>>(
  options: ConsumerOptions<TSchema>,
): Promise<RunningConsumer> {
  const stream = streamName(options.namespace, options.domain);
  const log = options.logger.child({ component: 'consumer', consumer: options.name, stream });
  // Short, so a message lost in flight with a dead NATS node comes back within seconds; the
  // messages this process holds are kept alive by progress acks (keepHeld) however long they take.
  const ackWaitMs = options.ackWaitMs ?? 4000;
  const jsm = await jetstreamManager(options.nats);
  const js = jetstream(options.nats);
  await ensureDurable(jsm, {
    stream,
    name: options.name,
    filterSubject: withNamespace(options.namespace, options.filterSubject ?? `${options.domain}.>`),
    ackWaitMs,
    maxAckPending: Math.max(1000, (options.prefetch ?? 100) * 2),
  });
  const processor = createBatchProcessor({
    consumer: options.name,
    stream,
    db: options.db,
    logger: log,
    decide: {
      registry: options.registry ?? getRegistry(),
      handlers: options.handlers,
      upcasters: options.upcasters ?? standardUpcasters,
    },
    ...(options.batchHandler ? { batchHandler: options.batchHandler } : {}),
    maxDeliver: options.maxDeliver ?? 5,
    backoffMs: options.backoffMs ?? [1000, 5000, 30_000],
    unknownVersionDelayMs: options.unknownVersionDelayMs ?? 60_000,
    unknownVersionMaxDeliver: options.unknownVersionMaxDeliver ?? options.maxDeliver ?? 5,
  });
  const settled = new Pulse();
  const held = new Set<JsMsg>();
  const keepHeld = setInterval(() => held.forEach((msg) => msg.working()), Math.max(100, ackWaitMs / 3));
  keepHeld.unref();
  const lanes = new Lanes<PreparedEvent<TSchema>>(
    options.concurrency ?? 1,
    options.maxBatch ?? 50,
    async (batch) => {
      try {
        await processor.applyBatch(batch);
      } finally {
        for (const item of batch) held.delete(item.msg);
      }
      settled.fire();
    },
    (error) => log.error({ err: errorMessage(error) }, 'batch processing failed unexpectedly'),
    options.batchWeight ? (item) => options.batchWeight!(item.decision.envelope) : undefined,
  );
  const prefetch = options.prefetch ?? 100;
  const now = options.now ?? epochMs;
  let lastDeliveryAt = now();
  // nats.js' defaults (30 s expiry, 15 s heartbeats) noticed a pull lost with a dead NATS node
  // only after 30 s. `bind` re-pulls after missed heartbeats without a consumer info first,
  // which would wait out the API timeout while the consumer has no leader.
  const pull = {
    max_messages: prefetch,
    expires: options.pullExpiresMs ?? 5000,
    idle_heartbeat: options.idleHeartbeatMs ?? 500,
    bind: true,
  };
  const stopped = new Pulse();
  const backoff = new Backoff(200, 10_000);
  let stopping = false;
  let messages: ConsumerMessages | undefined;

  const keyOf = (item: PreparedEvent<TSchema>) =>
    options.laneKey?.(item.decision.envelope) ??
    (item.msg.headers?.get(HEADER_AGGREGATE) || `seq:${item.msg.seq}`);

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        const consumer = await js.consumers.get(stream, options.name);
        messages = await consumer.consume(pull);
        if (stopping) await messages.close();
        for await (const msg of messages) {
          lastDeliveryAt = now();
          // After stop(), unstarted messages go back at once instead of waiting out ack_wait.
          if (stopping) msg.nak();
          else {
            // Decided on arrival (parsed, checked, upcast): the lane key may come from the event.
            const item = await processor.prepare(msg);
            // stop() may have closed the lanes while this one was decided (a dead letter is written).
            if (item && stopping) item.msg.nak();
            else if (item) {
              held.add(item.msg);
              lanes.push(keyOf(item), item);
            }
            backoff.reset();
            await lanes.room(prefetch);
          }
        }
        // The client gave up on this pull (e.g. the consumer was deleted): start over, gently.
        if (!stopping) await stopped.wait(backoff.next());
      } catch (error) {
        const delay = backoff.next();
        log.warn({ err: errorMessage(error), retryInMs: delay }, 'consume failed; retrying');
        await stopped.wait(delay);
      }
    }
  }

  // A pull held by a leader that died is re-issued after two missed heartbeats, and a pull sent
  // while the consumer has no leader is refused (503); so after the election the consumer pulled
  // again up to a second late. Its new leader announces itself: pull again at once.
  const elections = options.nats.subscribe(
    `$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.${stream}.${options.name}`,
    {
      callback: (error) => {
        if (!error && !stopping) pullAgain(messages);
      },
    },
  );

  const running = run();
  log.info('consumer started');

  return {
    name: options.name,
    stream,
    async stop() {
      stopping = true;
      elections.unsubscribe();
      stopped.fire();
      await messages?.close();
      for (const item of await lanes.close()) item.msg.nak();
      await running;
      clearInterval(keepHeld);
      held.clear();
      log.info('consumer stopped');
    },
    async lag() {
      const info = await jsm.consumers.info(stream, options.name);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    },
    lastDeliveryAt: () => lastDeliveryAt,
    async caughtUp({ timeoutMs = 20_000 } = {}) {
      const deadline = epochMs() + timeoutMs;
      for (;;) {
        const info = await jsm.consumers.info(stream, options.name);
        if (info.num_pending === 0 && info.num_ack_pending === 0 && lanes.size === 0) return;
        if (epochMs() > deadline) {
          throw new Error(
            `consumer ${options.name} not caught up after ${timeoutMs} ms: ` +
              `pending ${info.num_pending}, awaiting ack ${info.num_ack_pending}, in flight ${lanes.size}`,
          );
        }
        await settled.wait(50);
      }
    },
  };
}

/**
 * What a consume() does after two missed heartbeats, at once: forget the pulls it had sent and
 * pull again. nats.js 3.4 (pinned) has it as `resetPending()`, outside its public types; looked
 * up rather than assumed, so a version without it only loses the shortcut.
 */
function pullAgain(messages: ConsumerMessages | undefined): void {
  const reset = (messages as unknown as { resetPending?: () => Promise<boolean> } | undefined)?.resetPending;
  if (typeof reset === 'function') reset.call(messages).catch(() => {});
}
