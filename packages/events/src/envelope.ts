import { randomUUID } from 'node:crypto';
import { currentTrace, systemClock } from '@ates/service-kit';
import { EVENT_DOMAINS, type EventDataMap, type EventEnvelopeFields } from './generated/event-types.ts';
import { subjectForDomain } from './subjects.ts';

export type { EventDataMap };

/** Every event type in the registry, e.g. `'user.created'`. */
export type EventType = keyof EventDataMap;
/** The versions of one type that the registry knows, e.g. `1 | 2` for `'task.created'`. */
export type EventVersion<T extends EventType> = keyof EventDataMap[T] & number;
export type EventData<T extends EventType, V extends EventVersion<T>> = EventDataMap[T][V];

/** An event of one (type, version): plain data, as it is stored, published and handled. */
export type EventEnvelope<
  T extends EventType = EventType,
  V extends EventVersion<T> = EventVersion<T>,
> = Omit<EventEnvelopeFields, 'type' | 'version' | 'data'> & { type: T; version: V; data: EventData<T, V> };

/** Any version of one type, as a union that narrows on `version`. */
export type EnvelopeOf<T extends EventType> = {
  [V in EventVersion<T>]: EventEnvelope<T, V>;
}[EventVersion<T>];

/** Any registered event, as a union that narrows on `type` and `version`. */
export type AnyEventEnvelope = { [T in EventType]: EnvelopeOf<T> }[EventType];

export interface MakeEventInput<T extends EventType, V extends EventVersion<T>> {
  type: T;
  version: V;
  producer: string;
  data: EventData<T, V>;
  /** The entity the event is about (task id, user id); consumers keep order per aggregate. */
  aggregateId?: string;
  /** Defaults to the correlation id of the request or event being handled (`withTrace`). */
  correlationId?: string;
  /** Defaults to the id of the event being handled, if any. */
  causationId?: string;
  /** Defaults to a random UUID; pass one to make the event deterministic (tests, replays). */
  id?: string;
  /** Defaults to now; pass the use case's clock time. */
  occurredAt?: Date | string;
}

/** Builds an envelope. Validation against the registry happens when the event is enqueued. */
export function makeEvent<T extends EventType, V extends EventVersion<T>>(
  input: MakeEventInput<T, V>,
): EventEnvelope<T, V> {
  const occurredAt = input.occurredAt ?? systemClock.now();
  const trace = currentTrace();
  const correlationId = input.correlationId ?? trace?.correlationId;
  const causationId = input.causationId ?? trace?.causationId;
  return {
    id: input.id ?? randomUUID(),
    type: input.type,
    version: input.version,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(),
    producer: input.producer,
    ...(input.aggregateId === undefined ? {} : { aggregateId: input.aggregateId }),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(causationId === undefined ? {} : { causationId }),
    data: input.data,
  };
}

/** `<namespace>.<domain>.<type>`, e.g. `users.user.created` without a namespace. */
export function subjectFor(namespace: string | undefined, type: EventType): string {
  return subjectForDomain(namespace, EVENT_DOMAINS[type], type);
}
