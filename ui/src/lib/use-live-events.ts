import { useEffect, useRef } from 'react';
import { useSubscription } from 'urql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

interface Accumulated<T> {
  seq: number;
  recent: T[];
}

const KEEP = 50;

/**
 * Subscribes while the component is mounted and hands events over in batches: a burst (a
 * shuffle reassigns many tasks at once) becomes one notice and one refetch. Every event is
 * counted, even when React renders once for several of them.
 */
export function useLiveEvents<Data, T>(
  query: TypedDocumentNode<Data, Record<string, never>>,
  pick: (data: Data) => T,
  onBatch: (events: T[]) => void,
  delayMs = 300,
) {
  const [result] = useSubscription<Data, Accumulated<T>, Record<string, never>>(
    { query },
    (previous, data) => ({
      seq: (previous?.seq ?? 0) + 1,
      recent: [...(previous?.recent ?? []).slice(-(KEEP - 1)), pick(data)],
    }),
  );
  const seen = useRef(0);
  const buffer = useRef<T[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const handler = useRef(onBatch);

  useEffect(() => {
    handler.current = onBatch;
  }, [onBatch]);

  useEffect(() => {
    const acc = result.data;
    if (!acc) return;
    if (acc.seq < seen.current) seen.current = 0;
    const fresh = Math.min(acc.seq - seen.current, acc.recent.length);
    seen.current = acc.seq;
    if (fresh <= 0) return;
    buffer.current.push(...acc.recent.slice(-fresh));
    timer.current ??= setTimeout(() => {
      timer.current = null;
      const events = buffer.current;
      buffer.current = [];
      handler.current(events);
    }, delayMs);
  }, [result.data, delayMs]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return { error: result.error };
}
