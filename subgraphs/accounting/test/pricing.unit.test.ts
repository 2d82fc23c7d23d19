import { describe, expect, it } from 'vitest';
import { seededRandom } from '@ates/service-kit';
import { FEE_RANGE, priceTask, REWARD_RANGE } from '../src/domain/pricing.ts';
import { assignFeeEntry, describeTask, rewardEntry } from '../src/domain/ledger.ts';

describe('task prices (property)', () => {
  it('are whole cents, the fee in [10.00, 20.00] and the reward in [20.00, 40.00], reaching both ends', () => {
    const random = seededRandom(5);
    const prices = Array.from({ length: 20_000 }, () => priceTask(random));
    const fees = new Set(prices.map((p) => p.assignFee));
    const rewards = new Set(prices.map((p) => p.reward));
    expect(prices.every((p) => Number.isSafeInteger(p.assignFee) && Number.isSafeInteger(p.reward))).toBe(
      true,
    );
    expect([Math.min(...fees), Math.max(...fees)]).toEqual([FEE_RANGE.min, FEE_RANGE.max]);
    expect([Math.min(...rewards), Math.max(...rewards)]).toEqual([REWARD_RANGE.min, REWARD_RANGE.max]);
    // Roughly uniform: almost every cent value of the range occurs.
    expect(fees.size).toBeGreaterThan(990);
    expect(rewards.size).toBeGreaterThan(1900);
  });
});

describe('ledger entries', () => {
  const task = { taskId: 't1', title: 'Feed the parrots', jiraId: 'POPUG-42' };
  const price = { assignFee: 1234, reward: 3456 };

  it('describe the task by its Jira id and title, or the title alone', () => {
    expect(describeTask(task)).toBe('[POPUG-42] Feed the parrots');
    expect(describeTask({ title: 'Polish the perch', jiraId: null })).toBe('Polish the perch');
  });

  it('debit the assignee by the fee and credit them with the reward', () => {
    const fee = assignFeeEntry(task, price, { assigneeId: 'u1', assignmentNo: 3, eventId: 'e1' });
    expect(fee).toMatchObject({ userId: 'u1', kind: 'ASSIGN_FEE', amount: -1234, assignmentNo: 3 });
    const reward = rewardEntry(task, price, { assigneeId: 'u2', eventId: 'e2' });
    expect(reward).toMatchObject({ userId: 'u2', kind: 'TASK_REWARD', amount: 3456, assignmentNo: null });
  });
});
