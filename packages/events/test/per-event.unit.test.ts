import { describe, expect, it } from 'vitest';
import { oncePerEvent, type AnyEventEnvelope } from '../src/index.ts';

// oncePerEvent reads nothing but the event's id.
const event = (id: string) => ({ id }) as unknown as AnyEventEnvelope;

describe('oncePerEvent', () => {
  it('computes once per event however many subscribers map it, again for the next event', async () => {
    let calls = 0;
    const today = oncePerEvent(() => Promise.resolve(++calls));
    const first = await Promise.all([today(event('a')), today(event('a')), today(event('a'))]);
    expect(first).toEqual([1, 1, 1]);
    expect(await today(event('b'))).toBe(2);
    expect(await today(event('b'))).toBe(2);
    // Only the latest event is remembered: a lagging subscriber reads a newer state.
    expect(await today(event('a'))).toBe(3);
  });

  it('does not keep a failure: the next subscriber of the same event tries again', async () => {
    let calls = 0;
    const today = oncePerEvent(() =>
      ++calls === 1 ? Promise.reject(new Error('db down')) : Promise.resolve(calls),
    );
    await expect(today(event('a'))).rejects.toThrow('db down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await today(event('a'))).toBe(2);
  });
});
