import type { EnvelopeOf } from '../envelope.ts';
import type { AppliedTransaction } from '../generated/event-types.ts';

/**
 * The transactions a `transaction.applied` announces, whichever version: v2 lists a batch, v1 is
 * one transaction. A v1 item takes its causation id from the envelope; v1 did not carry the
 * assignment number, so it is null there (accounting's roll-forward reads it from the task stream).
 */
export function appliedTransactions(event: EnvelopeOf<'transaction.applied'>): AppliedTransaction[] {
  if (event.version === 2) return event.data.transactions;
  return [{ ...event.data, assignmentNo: null, causationId: event.causationId ?? null }];
}
