import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { contextFrom, SpanKind, startSpan, withSpan, type Logger } from '@ates/service-kit';
import { subjectFor, type AnyEventEnvelope, type EventType } from '../envelope.ts';
import { RecentIds } from './recent-ids.ts';

/** Event ids remembered against repeats (a relay repeats within ~1 s of its timeout): ~2 MB at most. */
const RECENT_IDS = 16_384;

export type LiveListener = (event: AnyEventEnvelope) => void;

/**
 * Live updates for GraphQL subscriptions. Every JetStream publish is also a plain NATS message
 * on its subject, so each replica of a service sees every event without a consumer of its
 * own. One NATS subscription per event type per process fans out to any number of listeners;
 * the subscription is dropped when its last listener leaves. At-most-once: fine for "state
 * after a change" pushes, never for money. A relay that publishes again after a timeout sends
 * the event twice on the plain subject (JetStream drops the repeat from the stream only): the
 * last RECENT_IDS event ids are remembered and a repeat among them is not pushed.
 */
export class LiveFeed {
  private readonly topics = new Map<EventType, { sub: Subscription; listeners: Set<LiveListener> }>();
  private readonly recent = new RecentIds(RECENT_IDS);

  constructor(
    private readonly nats: NatsConnection,
    private readonly namespace: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Calls `listener` for each event of the given types until the returned function is called. */
  listen(types: readonly EventType[], listener: LiveListener): () => void {
    for (const type of types) this.topic(type).listeners.add(listener);
    return () => {
      for (const type of types) {
        const topic = this.topics.get(type);
        if (!topic) continue;
        topic.listeners.delete(listener);
        if (topic.listeners.size === 0) {
          topic.sub.unsubscribe();
          this.topics.delete(type);
        }
      }
    };
  }

  /** Distinct listeners across all types (tests assert that unsubscribing releases them). */
  listenerCount(): number {
    const all = new Set<LiveListener>();
    for (const topic of this.topics.values()) for (const listener of topic.listeners) all.add(listener);
    return all.size;
  }

  close(): void {
    for (const topic of this.topics.values()) topic.sub.unsubscribe();
    this.topics.clear();
  }

  private topic(type: EventType) {
    const existing = this.topics.get(type);
    if (existing) return existing;
    const listeners = new Set<LiveListener>();
    const sub = this.nats.subscribe(subjectFor(this.namespace, type), {
      callback: (error, msg) => {
        if (error) {
          this.logger.warn({ err: error, type }, 'live feed subscription error');
          return;
        }
        let event: AnyEventEnvelope;
        try {
          event = msg.json<AnyEventEnvelope>();
        } catch (parseError) {
          this.logger.warn(
            { err: parseError, subject: msg.subject },
            'live feed: unreadable message skipped',
          );
          return;
        }
        // The message id the relay sets is the event id; a repeat is dropped before any listener maps it.
        if (typeof event.id === 'string' && this.recent.repeat(event.id)) return;
        const push = () => {
          for (const listener of [...listeners]) {
            try {
              listener(event);
            } catch (listenerError) {
              this.logger.error({ err: listenerError, type }, 'live feed listener failed');
            }
          }
        };
        // The subscription push, in the trace of the request that caused the event.
        if (!msg.headers?.get('traceparent') || listeners.size === 0) return push();
        const span = startSpan(`live push ${type}`, {
          kind: SpanKind.CONSUMER,
          parent: contextFrom(msg.headers),
          attributes: { 'messaging.system': 'nats', 'ates.live.listeners': listeners.size },
        });
        withSpan(span, push);
        span.end();
      },
    });
    const topic = { sub, listeners };
    this.topics.set(type, topic);
    return topic;
  }
}
