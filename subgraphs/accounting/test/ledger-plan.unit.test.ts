import { describe, expect, it } from 'vitest';
import { assignFeeEntry, planPostings, rewardEntry } from '../src/domain/ledger.ts';

const task = { taskId: 't1', title: 'Feed the parrots', jiraId: null };
const price = { assignFee: 1500, reward: 3000 };
const accounts = new Map([
  ['ann', { id: 'A', balance: 100 }],
  ['bob', { id: 'B', balance: -50 }],
]);
const item = (entry: ReturnType<typeof assignFeeEntry>) => ({ entry });

describe('planning a batch of postings', () => {
  it('gives each posting its account’s running balance and sums each account’s change', () => {
    const { postings, deltas } = planPostings(
      [
        item(assignFeeEntry(task, price, { assigneeId: 'ann', assignmentNo: 1, eventId: 'e1' })),
        item(assignFeeEntry(task, price, { assigneeId: 'bob', assignmentNo: 2, eventId: 'e2' })),
        item(rewardEntry(task, price, { assigneeId: 'bob', eventId: 'e3' })),
      ],
      accounts,
      new Set(),
    );
    expect(postings.map((p) => [p.accountId, p.balanceAfter])).toEqual([
      ['A', -1400],
      ['B', -1550],
      ['B', 1450],
    ]);
    expect(deltas).toEqual(
      new Map([
        ['A', -1500],
        ['B', 1500],
      ]),
    );
  });

  it('skips a fact already recorded and a fact an earlier entry of the batch records', () => {
    const { postings, skipped } = planPostings(
      [
        item(assignFeeEntry(task, price, { assigneeId: 'ann', assignmentNo: 1, eventId: 'e1' })),
        item(assignFeeEntry(task, price, { assigneeId: 'ann', assignmentNo: 2, eventId: 'e2' })),
        item(assignFeeEntry(task, price, { assigneeId: 'bob', assignmentNo: 2, eventId: 'e3' })),
        item(rewardEntry(task, price, { assigneeId: 'bob', eventId: 'e4' })),
      ],
      accounts,
      new Set(['fee:t1:1']),
    );
    expect(postings.map((p) => p.item.entry.eventId)).toEqual(['e2', 'e4']);
    expect(skipped.map((s) => s.entry.eventId)).toEqual(['e1', 'e3']);
  });

  it('posts every task of one event (a shuffle’s chunk), and each task once', () => {
    const other = { ...task, taskId: 't2' };
    const { postings, skipped } = planPostings(
      [
        item(assignFeeEntry(task, price, { assigneeId: 'ann', assignmentNo: 2, eventId: 'chunk' })),
        item(assignFeeEntry(other, price, { assigneeId: 'bob', assignmentNo: 2, eventId: 'chunk' })),
        item(assignFeeEntry(other, price, { assigneeId: 'bob', assignmentNo: 3, eventId: 'chunk' })),
      ],
      accounts,
      new Set(),
    );
    expect(postings.map((p) => [p.item.entry.taskId, p.accountId])).toEqual([
      ['t1', 'A'],
      ['t2', 'B'],
    ]);
    expect(skipped.map((s) => s.entry.assignmentNo)).toEqual([3]);
  });
});
