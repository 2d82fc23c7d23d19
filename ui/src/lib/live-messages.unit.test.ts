import { describe, expect, it } from 'vitest';
import { describeAccountEvents, describeTaskEvents } from './live-messages.ts';

const task = (title: string, login = 'kiwi') => ({ title, assignee: { login } });

describe('notices for live events', () => {
  it('names the task when one is assigned, taken away or done', () => {
    expect(describeTaskEvents([{ kind: 'ASSIGNED', task: task('Feed') }])).toBe('New task for you: “Feed”.');
    expect(describeTaskEvents([{ kind: 'UNASSIGNED', task: task('Feed', 'mango') }])).toBe(
      '“Feed” was reassigned to @mango.',
    );
  });

  it('sums up a burst (a shuffle) in one notice', () => {
    const events = [
      { kind: 'ASSIGNED' as const, task: task('A') },
      { kind: 'UNASSIGNED' as const, task: task('B') },
      { kind: 'ASSIGNED' as const, task: task('C') },
    ];
    expect(describeTaskEvents(events)).toBe('2 tasks assigned to you, 1 task reassigned to others.');
  });

  it('shows a single transaction with its sign, and a burst with the latest balance', () => {
    const fee = {
      balance: '-15.00',
      transactions: { nodes: [{ kind: 'ASSIGN_FEE' as const, amount: '-15.00', task: { title: 'Feed' } }] },
    };
    expect(describeAccountEvents([fee])).toBe('Assignment fee \u221215.00: “Feed”.');
    expect(describeAccountEvents([fee, { ...fee, balance: '-30.50' }])).toBe(
      '2 new transactions. Balance \u221230.50.',
    );
  });
});
