import { describe, expect, it } from 'vitest';
import { Lanes } from '../src/consumer/lanes.ts';

describe('Lanes', () => {
  it('applies the items pushed in one turn (a read of a relay step) as one batch per lane', async () => {
    const batches: string[][] = [];
    const lanes = new Lanes<string>(
      1,
      50,
      async (batch) => {
        batches.push(batch);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      (error) => {
        throw error;
      },
    );
    for (const item of ['a', 'b', 'c']) lanes.push('key', item);
    await new Promise((resolve) => setTimeout(resolve, 1));
    lanes.push('key', 'd'); // arrives while the first batch runs: the next batch
    await lanes.room(1);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('hands back what it had not started when closed before its turn', async () => {
    const batches: number[][] = [];
    const lanes = new Lanes<number>(
      2,
      50,
      async (batch) => void batches.push(batch),
      () => {},
    );
    lanes.push('x', 1);
    lanes.push('y', 2);
    expect((await lanes.close()).sort()).toEqual([1, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]);
  });

  it('fills a batch by weight, taking at least one item however heavy', async () => {
    const batches: number[][] = [];
    const lanes = new Lanes<number>(
      1,
      500,
      async (batch) => void batches.push(batch),
      (error) => {
        throw error;
      },
      (weight) => weight,
    );
    for (const weight of [1000, 200, 200, 200, 1, 1]) lanes.push('key', weight);
    await lanes.room(1);
    expect(batches).toEqual([[1000], [200, 200], [200, 1, 1]]);
  });
});
