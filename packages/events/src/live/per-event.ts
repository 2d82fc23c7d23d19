import type { AnyEventEnvelope } from '../envelope.ts';

/**
 * Wraps a payload computation that does not depend on the subscriber (today's figures) so
 * that it runs once per event however many subscribers map that event: every subscriber's
 * `liveStream` mapping of the same event gets the same promise. Only the latest event is
 * remembered (a subscriber lagging further behind computes afresh, which shows a newer state:
 * fine for "state after a change"). A failed computation is not kept.
 */
export function oncePerEvent<T>(compute: () => Promise<T>): (event: AnyEventEnvelope) => Promise<T> {
  let last: { eventId: string; value: Promise<T> } | undefined;
  return (event) => {
    if (last?.eventId === event.id) return last.value;
    const value = compute();
    const entry = { eventId: event.id, value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
