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
  return liveStreamEach(feed, types, async (event) => {
    const payload = await toPayload(event);
    return payload === null ? [] : [payload];
  });
}

/**
 * `liveStream` for events that may mean several payloads to one subscriber (a batch event, such
 * as a shuffle's `task.assigned` chunk): each is delivered in turn, none when the list is empty.
 */
export function liveStreamEach<T>(
  feed: LiveFeed,
  types: readonly EventType[],
  toPayloads: (event: AnyEventEnvelope) => Promise<readonly T[]> | readonly T[],
): AsyncIterableIterator<T> {
  let chain = Promise.resolve();
  const iterator = createPushIterator<T>(() => unlisten());
  const unlisten = feed.listen(types, (event) => {
    chain = chain
      .then(async () => {
        for (const payload of await toPayloads(event)) iterator.push(payload);
      })
      .catch((error: unknown) => iterator.fail(error instanceof Error ? error : new Error(String(error))));
  });
  return iterator;
}
