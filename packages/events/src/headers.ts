/**
 * NATS headers set on every event message, so that tools and consumers can route or order a
 * message without parsing its body. The envelope stays the source of truth.
 */
export const HEADER_TYPE = 'Ates-Event-Type';
export const HEADER_VERSION = 'Ates-Event-Version';
export const HEADER_AGGREGATE = 'Ates-Aggregate-Id';
export const HEADER_CORRELATION = 'Ates-Correlation-Id';
/** Set on a dead letter republished by an operator: the dead-letter row it came from. */
export const HEADER_REPLAY_OF = 'Ates-Replay-Of';
