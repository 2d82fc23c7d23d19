import { createPushIterator } from '@ates/service-kit';
import type { AnyEventEnvelope, EventType } from '../envelope.ts';
import type { LiveFeed } from './live-feed.ts';

/**
 * A GraphQL subscription source over the live feed: each event of `types` is mapped to a
 * payload (null skips it: not this subscriber's business). Mapping may read the database;
 * payloads are delivered in the order the events arrived. The feed listener is released the
 * moment the client leaves.
 */
export function liveStream<T>(
  feed: LiveFeed,
  types: readonly EventType[],
  toPayload: (event: AnyEventEnvelope) => Promise<T | null> | T | null,
): AsyncIterableIterator<T> {
  let chain = Promise.resolve();
  const iterator = createPushIterator<T>(() => unlisten());
  const unlisten = feed.listen(types, (event) => {
    chain = chain
      .then(async () => {
        const payload = await toPayload(event);
        if (payload !== null) iterator.push(payload);
      })
      .catch((error: unknown) => iterator.fail(error instanceof Error ? error : new Error(String(error))));
  });
  return iterator;
}
