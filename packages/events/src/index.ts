// Envelope, types and registry
export {
  makeEvent,
  subjectFor,
  type AnyEventEnvelope,
  type EnvelopeOf,
  type EventData,
  type EventDataMap,
  type EventEnvelope,
  type EventType,
  type EventVersion,
  type MakeEventInput,
} from './envelope.ts';
export type * from './generated/event-types.ts';
export { EVENT_DOMAINS } from './generated/event-types.ts';
export { EventRegistry, getRegistry, type CheckResult, type RawEnvelope } from './registry/registry.ts';
export { defaultSchemaDir } from './registry/schema-dir.ts';
export { checkLock, updateLock, schemaHash, type LockReport } from './registry/lock.ts';
export { EventValidationError } from './errors.ts';
export { DOMAINS, isDomain, streamName, withNamespace, type Domain } from './subjects.ts';
export * from './headers.ts';

// Tables for each service's drizzle schema (also at `@ates/events/tables`)
export * from './tables.ts';

// Producing
export { enqueueEvents, OUTBOX_CHANNEL, type OutboxWriter, type EnqueueOptions } from './outbox/enqueue.ts';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox/relay.ts';
export { countUnpublished, deletePublishedBefore, republishOutboxSince } from './outbox/maintenance.ts';
export { recordPublished, type OwnEvent } from './outbox/roll-forward.ts';

// NATS
export { connectNats, type ConnectNatsOptions } from './nats/connect.ts';
export { ensureStreams, desiredStreams, removeStreams, type StreamOptions } from './nats/streams.ts';
export { DEFAULT_RETENTION, parseRetention, retentionOf, type Retention } from './nats/retention.ts';

// A service's start-up, shared (a worker's: service-kit's startWorker with these channels)
export * from './event-channels.ts';
export * from './start-subgraph.ts';

// Consuming
export { startConsumer, type ConsumerOptions, type RunningConsumer } from './consumer/consumer.ts';
export type {
  BatchHandler,
  ConsumerTx,
  Delivery,
  EventHandler,
  EventHandlers,
  HandlerContext,
  Upcaster,
  Upcasters,
} from './consumer/handlers.ts';
export { batchOfOne } from './consumer/handlers.ts';
export { resetConsumer, type ResetConsumerOptions } from './consumer/reset.ts';
export { assignmentsOf, standardUpcasters, splitJiraTitle, taskCreatedV1ToV2 } from './upcasters/tasks.ts';
export { appliedTransactions } from './upcasters/accounting.ts';

// Dead letters
export {
  listDeadLetters,
  getDeadLetter,
  replayDeadLetter,
  type ListDeadLettersOptions,
} from './dead-letters/operations.ts';

// Metrics (Prometheus, on each service's /metrics)
export { registerEventMetrics, OUTBOX_BACKLOG_LIMIT, type EventMetricsOptions } from './metrics.ts';

// Live updates (GraphQL subscriptions)
export { LiveFeed, type LiveListener } from './live/live-feed.ts';
export { liveStream, liveStreamEach } from './live/live-stream.ts';
export { oncePerEvent } from './live/per-event.ts';
export {
  copyStream,
  ensureStreamsOver,
  horizonProblems,
  nonEmptyStreams,
  publishStreamCopy,
  readStreamTail,
  recordPositions,
  resetConsumerTo,
  type ConsumerPosition,
  type StoredMessage,
  type StreamPosition,
} from './nats/recovery.ts';
export {
  followTokenRevocations,
  type FollowTokenRevocationsOptions,
  type RevocationSink,
  type TokenRevocationFeed,
} from './live/token-revocations.ts';
