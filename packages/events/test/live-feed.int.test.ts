import { describe, expect, it } from 'vitest';
import { LiveFeed, subjectFor, type AnyEventEnvelope } from '../src/index.ts';
import { RecentIds } from '../src/live/recent-ids.ts';
import { harnessPerFile, logger, userCreated } from './support/harness.ts';

const h = harnessPerFile('live-feed');

describe('live feed', () => {
  it('pushes an event published twice (a relay retry) once', async () => {
    const feed = new LiveFeed(h.nats, h.namespace, logger);
    const seen: string[] = [];
    const unlisten = feed.listen(['user.created'], (event: AnyEventEnvelope) => seen.push(event.id));
    try {
      const [a, b] = [userCreated(), userCreated()];
      const subject = subjectFor(h.namespace, 'user.created');
      for (const event of [a, a, b, a]) h.nats.publish(subject, JSON.stringify(event));
      await h.nats.flush();
      await expect.poll(() => seen.length).toBeGreaterThanOrEqual(2);
      // Another round trip: a repeat still in flight would have arrived by now.
      await h.nats.flush();
      expect(seen).toEqual([a.id, b.id]);
    } finally {
      unlisten();
      feed.close();
    }
  });

  it('remembers a bounded number of ids, the oldest forgotten first', () => {
    const recent = new RecentIds(2);
    expect([recent.repeat('a'), recent.repeat('b'), recent.repeat('a')]).toEqual([false, false, true]);
    expect(recent.repeat('c')).toBe(false); // 'a' is forgotten
    expect([recent.repeat('a'), recent.repeat('c')]).toEqual([false, true]);
  });
});
